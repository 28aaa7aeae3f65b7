"""``/api/v1/users``: who the caller is."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from app.api.users.schemas import UserOut
from app.auth import allow, current_user
from models import Role, User

blp = Blueprint("users", __name__, description="Users and their roles")


@blp.route("/me")
class Me(MethodView):
    @allow(*Role)
    @blp.response(200, UserOut)
    def get(self) -> User:
        """The authenticated user."""
        return current_user()
