"""Extensions, created unbound and bound to an app by ``create_app`` (the Flask app-factory pattern).

The API's flask-smorest extension lives with the API (:data:`app.api.api`): the command line binds the database
to its app without importing the web stack (issue 18).
"""
from app.db import Database

db = Database()
