"""Who sent a mail: a strict reader of the From header, and what our own receiving server
recorded about it in Authentication-Results.

The email package's address parsing on this Python (3.11) has known ambiguities, so From is read
by our own small RFC 5322 tokenizer: exactly one From header holding exactly one mailbox, a
display name that is only a name (never taken as an address), and no group. Anything else is
ambiguous, and an ambiguous sender never reaches a reporter's thread (P7).

Authentication-Results (RFC 8601) counts only when added by our own receiving server, named by
its authserv-id; only the topmost such header is read, since a server adds its header above
everything the message arrived with (a forged copy lower down is ignored).
"""

import re
from dataclasses import dataclass

# atext (RFC 5322 §3.2.3), and any non-ASCII character (RFC 6532).
_ATEXT = re.compile(r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\U0010ffff]+")
_SPECIALS = '()<>[]:;@\\,."'


class AmbiguousSender(ValueError):
    """The From header does not name exactly one mailbox; str() says why."""


@dataclass(frozen=True)
class _Token:
    kind: str  # "atom", "quoted", "literal" (a [domain literal]) or one special character
    text: str


@dataclass(frozen=True)
class Sender:
    name: str  # the display name as written (encoded words not yet decoded), or a comment
    address: str  # local@domain, the domain lower-cased and without a trailing dot


def read_from(values: list[str]) -> Sender:
    """The one mailbox of the one From header, or AmbiguousSender."""
    if len(values) != 1:
        raise AmbiguousSender(f"the mail has {len(values)} From headers")
    tokens, comments = _tokens(values[0])
    if any(token.kind in ",;:" for token in tokens):
        raise AmbiguousSender("From names more than one mailbox, or a group")
    if any(token.kind == "<" for token in tokens):
        return _name_addr(tokens)
    return Sender(" ".join(comments), _addr_spec(tokens))


def _name_addr(tokens: list[_Token]) -> Sender:
    opening = next(i for i, token in enumerate(tokens) if token.kind == "<")
    if tokens[-1].kind != ">" or [t.kind for t in tokens].count("<") != 1:
        raise AmbiguousSender("From has text after its <address>, or more than one")
    phrase = tokens[:opening]
    if any(token.kind not in ("atom", "quoted", ".") for token in phrase):
        raise AmbiguousSender("From's display name holds an address or other special characters")
    name = " ".join(token.text for token in phrase if token.kind != ".")
    return Sender(name, _addr_spec(tokens[opening + 1 : -1]))


def _addr_spec(tokens: list[_Token]) -> str:
    at = [i for i, token in enumerate(tokens) if token.kind == "@"]
    if len(at) != 1:
        raise AmbiguousSender("From holds no address, or more than one @")
    local, domain = tokens[: at[0]], tokens[at[0] + 1 :]
    return f"{_local_part(local)}@{_domain(domain)}"


def _local_part(tokens: list[_Token]) -> str:
    if len(tokens) == 1 and tokens[0].kind == "quoted":
        text = tokens[0].text
        if all(_ATEXT.fullmatch(atom) for atom in text.split(".")):
            return text  # "dana"@x.example is dana@x.example (RFC 5321 §4.1.2)
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if _is_dot_atom(tokens):
        return "".join(token.text for token in tokens)
    raise AmbiguousSender("From's address has an unreadable local part")


def _domain(tokens: list[_Token]) -> str:
    if tokens and tokens[-1].kind == ".":
        tokens = tokens[:-1]  # a fully qualified name's trailing dot: the same domain
    if len(tokens) == 1 and tokens[0].kind == "literal":
        return tokens[0].text.lower()
    if _is_dot_atom(tokens) and len(tokens) >= 3:
        return "".join(token.text for token in tokens).lower()
    raise AmbiguousSender("From's address has no usable domain")


def _is_dot_atom(tokens: list[_Token]) -> bool:
    kinds = [token.kind for token in tokens]
    return (
        bool(kinds)
        and kinds[0] == kinds[-1] == "atom"
        and all(kind == ("atom" if index % 2 == 0 else ".") for index, kind in enumerate(kinds))
    )


def _tokens(value: str) -> tuple[list[_Token], list[str]]:
    """Atoms, quoted strings, domain literals and specials; comments apart; spaces dropped."""
    tokens: list[_Token] = []
    comments: list[str] = []
    position = 0
    while position < len(value):
        char = value[position]
        if char.isspace():
            position += 1
        elif char == '"':
            text, position = _quoted(value, position)
            tokens.append(_Token("quoted", text))
        elif char == "(":
            text, position = _comment(value, position)
            comments.append(text)
        elif char == "[":
            end = value.find("]", position)
            if end < 0 or "[" in value[position + 1 : end] or "\\" in value[position:end]:
                raise AmbiguousSender("From has an unclosed [domain literal]")
            tokens.append(_Token("literal", value[position : end + 1]))
            position = end + 1
        elif char in _SPECIALS:
            if char in "\\)]":
                raise AmbiguousSender(f"From has a stray {char!r}")
            tokens.append(_Token(char, char))
            position += 1
        elif match := _ATEXT.match(value, position):
            tokens.append(_Token("atom", match.group()))
            position = match.end()
        else:
            raise AmbiguousSender(f"From holds the character {char!r}")
    return tokens, comments


def _quoted(value: str, start: int) -> tuple[str, int]:
    text, position = [], start + 1
    while position < len(value):
        char = value[position]
        if char == "\\" and position + 1 < len(value):
            text.append(value[position + 1])
            position += 2
        elif char == '"':
            return "".join(text), position + 1
        else:
            text.append(char)
            position += 1
    raise AmbiguousSender("From has an unclosed quoted string")


def _comment(value: str, start: int) -> tuple[str, int]:
    depth, text, position = 0, [], start
    while position < len(value):
        char = value[position]
        if char == "\\" and position + 1 < len(value):
            text.append(value[position + 1])
            position += 2
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return "".join(text[1:]).strip(), position + 1
        text.append(char)
        position += 1
    raise AmbiguousSender("From has an unclosed (comment)")


# --- Authentication-Results ------------------------------------------------------------------

_RESULT = re.compile(r"^\s*([a-z0-9_-]+)\s*=\s*([a-z]+)\b(.*)$", re.IGNORECASE | re.DOTALL)
_PROPERTY = re.compile(r"\b(header\.[a-z]+|smtp\.[a-z]+)\s*=\s*\"?([^\s;\"]+)\"?", re.IGNORECASE)


@dataclass(frozen=True)
class Authentication:
    """What our receiving server found, as (method, result, the domain it speaks for)."""

    results: tuple[tuple[str, str, str], ...]

    @property
    def summary(self) -> str:
        """For agents: "dkim=pass (example.org); dmarc=fail (example.org)"."""
        shown = [f"{m}={r}" + (f" ({d})" if d else "") for m, r, d in self.results]
        return "; ".join(shown) or "no results"

    def verifies(self, address: str) -> bool:
        """DKIM or DMARC passed for a domain aligned with the From address's domain."""
        domain = address.rpartition("@")[2].lower()
        return any(
            method in ("dkim", "dmarc") and result == "pass" and _aligned(signer, domain)
            for method, result, signer in self.results
        )


def read_authentication(values: list[str], authserv_id: str | None) -> Authentication | None:
    """The topmost Authentication-Results header our own server (authserv_id) added, if any;
    `values` in header order. A header without an authserv-id (as Exchange Online writes
    them) cannot be told from a forged one and is ignored."""
    if not authserv_id:
        return None
    for value in values:
        server, _, statements = _without_comments(value).partition(";")
        if [word.lower() for word in server.split()[:1]] != [authserv_id.lower()]:
            continue
        results = []
        for statement in statements.split(";"):
            if match := _RESULT.match(statement):
                method, result = match.group(1).lower(), match.group(2).lower()
                results.append((method, result, _signer(method, match.group(3))))
        return Authentication(tuple(results))
    return None


def _without_comments(value: str) -> str:
    """The header without its (comments), which may hold semicolons: "(2048-bit key; …)"."""
    while (bare := re.sub(r"\([^()]*\)", " ", value)) != value:
        value = bare
    return value


def _signer(method: str, properties: str) -> str:
    found = {name.lower(): value for name, value in _PROPERTY.findall(properties)}
    if method == "dkim":
        domain = found.get("header.d") or found.get("header.i", "").rpartition("@")[2]
    elif method == "dmarc":
        domain = found.get("header.from", "")
    else:
        domain = found.get("smtp.mailfrom", "").rpartition("@")[2]
    return domain.lower().rstrip(".")


def _aligned(signer: str, domain: str) -> bool:
    """Relaxed alignment (RFC 7489): the same domain, or one is a subdomain of the other."""
    if not signer or not domain:
        return False
    return domain == signer or domain.endswith("." + signer) or signer.endswith("." + domain)
