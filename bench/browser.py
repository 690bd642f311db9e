"""What a browser sends for an HTML form: its fields read from the page, multipart encoded.

The lean client of the submission benchmark's "browser" flow: read the form's fields as the page
gives them (hidden fields, the checked radio, text areas), change the ones a person fills in,
and post the whole form as a browser does, each empty file input as an empty file part.
"""

import secrets
from html.parser import HTMLParser


class FormFields(HTMLParser):
    """The fields of the first form on a page that has a field named `marker`.

    `values` holds what a browser would send unchanged ([(name, value)]: hidden and text inputs,
    checked boxes and radios, each select's chosen option, text areas); `files` the names of
    its file inputs; `radios` each radio's value by its id, to choose one as a person would."""

    def __init__(self, html: str, marker: str):
        super().__init__(convert_charrefs=True)
        self.values: list[tuple[str, str]] = []
        self.files: list[str] = []
        self.radios: dict[str, tuple[str, str]] = {}
        self._forms: list[tuple[list, list, dict]] = []
        self._in_form = False
        self._textarea: list | None = None
        self._select: list | None = None
        self.feed(html)
        self.close()
        for values, files, radios in self._forms:
            if any(name == marker for name, _ in values) or marker in files:
                self.values, self.files, self.radios = values, files, radios
                return
        raise LookupError(f"no form with a field named {marker!r} on the page")

    def handle_starttag(self, tag: str, attrs: list) -> None:
        found = {key: value or "" for key, value in attrs}
        name = found.get("name")
        if tag == "form":
            self._in_form = True
            self._forms.append(([], [], {}))
            return
        if not self._in_form or not name and tag != "option":
            return
        values, files, radios = self._forms[-1]
        kind = found.get("type", "text").lower()
        if tag == "input" and kind == "file":
            files.append(name)
        elif tag == "input" and kind == "radio":
            radios[found.get("id", "")] = (name, found.get("value", ""))
            if "checked" in found:
                values.append((name, found.get("value", "")))
        elif tag == "input" and kind == "checkbox":
            if "checked" in found:
                values.append((name, found.get("value", "on")))
        elif tag == "input" and kind not in ("submit", "button", "reset", "image"):
            values.append((name, found.get("value", "")))
        elif tag == "textarea":
            self._textarea = [name, ""]
        elif tag == "select":
            self._select = [name, None]
        elif tag == "option" and self._select and (self._select[1] is None or "selected" in found):
            self._select[1] = found.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        elif tag == "textarea" and self._textarea is not None:
            self._forms[-1][0].append(tuple(self._textarea))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            self._forms[-1][0].append((self._select[0], self._select[1] or ""))
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1] += data


def multipart(values: list[tuple[str, str]], files: list[str]) -> tuple[bytes, str]:
    """The body and Content-Type of a multipart/form-data post: `values`, then each of
    `files` as the empty part a browser sends for a file input left empty."""
    boundary = f"----BenchFormBoundary{secrets.token_hex(8)}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in values
    ]
    parts += [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename=""\r\n'
        "Content-Type: application/octet-stream\r\n\r\n\r\n"
        for name in files
    ]
    body = "".join(parts) + f"--{boundary}--\r\n"
    return body.encode(), f"multipart/form-data; boundary={boundary}"
