"""Alert titles in the page's language.

An alert's stored title is the monitoring's English sentence (what the API and its clients read), after the
trip's label: ``苏B12345 (YD20261129-J1SPCH): off the corridor, up to 412 m``. The pages in Chinese say the
same from the alert's kind and details, after the same label. Titles written in Chinese already (major hazard
sources, waste stored too long) and anything not understood are shown as stored.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from app.web.i18n import current_language

Details = Mapping[str, Any]


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} 分钟"


def _forbidden_zone(details: Details) -> str:
    if details.get("rule") == "no_stop":
        return f"在禁停区 {details['zone']} 内停车"
    return f"驶入禁行区 {details['zone']}"


def _time_window(details: Details) -> str:
    if details.get("window") == "departure":
        return f"出发时间偏离计划时段 {_minutes(details['off_by_s'])}"
    return "在通道通行时段外行驶"


def _arrival_elsewhere(details: Details) -> str:
    if "duration_s" in details:
        return f"在距收货地点 {details['distance_m']:.0f} 米处停留 {_minutes(details['duration_s'])}"
    return f"申报到达时距收货地点 {details['distance_m']:.0f} 米"


#: The JT/T 808 alarm flags that become alerts (app/services/terminal_feed.py), as the standard names them.
TERMINAL_ALARMS_ZH = {"emergency": "紧急报警", "power_cut": "终端主电源掉电", "gnss_antenna_cut": "GNSS 天线未接或被剪断",
                      "gnss_antenna_short": "GNSS 天线短路", "gnss_fault": "GNSS 模块发生故障", "overspeed": "超速报警",
                      "fatigue": "疲劳驾驶", "route_deviation": "路线偏离报警", "area_in_out": "进出区域",
                      "route_in_out": "进出路线"}
#: For each kind of trip alert, its sentence in Chinese from the alert's details.
ZH: dict[str, Callable[[Details], str]] = {
    "deviation": lambda d: f"偏离通道，最远 {d['max_offset_m']:.0f} 米",
    "forbidden_zone": _forbidden_zone,
    "stop": lambda d: f"在非许可地点停车 {_minutes(d['duration_s'])}",
    "signal_gap": lambda d: f"无定位 {_minutes(d['gap_s'])}",
    "time_window": _time_window,
    "overspeed": lambda d: f"最高 {d['max_speed_kph']:.0f} km/h（限速 {d['limit_kph']:.0f}）",
    "arrival_elsewhere": _arrival_elsewhere,
    "fatigue_driving": lambda d: f"自 {d['driving_since'][:16].replace('T', ' ')} UTC 起已驾驶 "
                                 f"{d['driving_s'] / 3600:.1f} 小时，未停车休息 20 分钟",
    "terminal_alarm": lambda d: TERMINAL_ALARMS_ZH[d["alarm"]],
}


def alert_title(kind: str, title: str, details: Details | None) -> str:
    """*title* in the current language: in Chinese, rebuilt from *kind* and *details* after the trip's label."""
    describe = ZH.get(str(kind))
    label, colon, _sentence = title.partition(": ")
    if current_language() != "zh" or describe is None or not colon:
        return title
    try:
        return f"{label}：{describe(details or {})}"
    except (KeyError, TypeError, ValueError):  # details of an older shape: the stored sentence still says it
        return title


def retitled(alert: dict[str, Any]) -> dict[str, Any]:
    """An alert as the API's JSON (the stream's events), its title in the current language."""
    return {**alert, "title": alert_title(alert["kind"], alert["title"], alert.get("details"))}
