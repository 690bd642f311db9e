"""The smallest Flask app that answers a form POST: the ceiling for the submission benchmark."""

from flask import Flask, redirect

app = Flask(__name__)


@app.post("/tickets/new")
def accept():
    return redirect("/tickets/HD-00000000")


@app.get("/tickets/<reference>")
def show(reference: str):
    return f"Report {reference} received."
