"""Extensions, created unbound and bound to an app by ``create_app`` (the Flask app-factory pattern)."""
from app.db import Database
from app.errors import ProblemApi

db = Database()
api = ProblemApi()
