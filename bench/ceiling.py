"""The smallest Flask app that serves and takes a report form: the ceiling for the submission
benchmark. It reads the posted form, as any app must, and shows its subject on the next page."""

from flask import Flask, redirect, request, url_for
from markupsafe import escape

app = Flask(__name__)

FORM = """<form method="post" enctype="multipart/form-data">
<input type="hidden" name="csrf_token" value="token">
<input type="radio" id="category-off-platform-payment" name="category" value="1">
<input type="text" name="subject" value=""><textarea name="description"></textarea>
<input type="text" name="reported" value=""><input type="file" name="attachments" multiple>
</form>"""


@app.route("/tickets/new", methods=["GET", "POST"])
def new_ticket():
    if request.method == "GET":
        return FORM
    return redirect(url_for("show", reference="HD-00000000", subject=request.form["subject"]))


@app.get("/tickets/<reference>")
def show(reference: str):
    return f"Report {reference} received: {escape(request.args.get('subject', ''))}."
