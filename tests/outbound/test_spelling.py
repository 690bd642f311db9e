"""The guard's reading and where each of its characters was written, worked out apart."""

import pytest

from helpdesk.mail.spelling import read

WRITTEN = [
    "Jane  \n \n\n Doe",
    "a&#95;b %41%42 \\u0041 \\n c",
    "<p>the</p>\n<p>member</p>   has <b>ﬁ</b>nished",
    " \u00a8 \u0430\u0301b\t\r\n\u2028end ",
    "%26%2395%3B and &amp;lt; ǆ\n\n\n",
]


@pytest.mark.parametrize("written", WRITTEN)
@pytest.mark.parametrize("html_part", [False, True])
@pytest.mark.parametrize("skeleton", [False, True])
def test_each_character_read_comes_from_where_its_span_says(written, html_part, skeleton):
    reading = read(written, html_part=html_part, skeleton=skeleton)
    assert len(reading.starts) == len(reading.ends) == len(reading.text)
    for ch, start, end in zip(reading.text, reading.starts, reading.ends, strict=True):
        piece = read(written[start:end], html_part=html_part, skeleton=skeleton).text
        assert ch in piece or ch in " \n", (ch, written[start:end])
