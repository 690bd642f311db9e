"""The privacy guard measured on a labelled set of agent replies (guard_eval.json).

Each reply is checked as the outbox checks an agent's reply to Dana, with what is known of
the member it is about: two reports (by username and by profile link) and their account here.
`python -m tests.outbound.guard_eval` (make guard-report) prints precision and recall by kind
of disguise and by language; test_guard_eval.py holds the guard to them.
"""

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from helpdesk.mail.privacy import Draft, Protected, check_outbound, protected_for_ticket
from helpdesk.models import Ticket, User
from helpdesk.reported import parse_reported_party

DATA = Path(__file__).with_name("guard_eval.json")
SUBJECT = "About your report HD-7K3QX9MB"
OWN_DOMAINS = ("helpdesk.example",)


@dataclass(frozen=True)
class Result:
    text: str
    language: str
    category: str
    expected_refusal: bool
    refused: bool
    reason: str | None


def load() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def protected_for(member: dict, reporter: dict) -> Protected:
    """What the outbox knows of this member (a report by username, another by profile link,
    their account here), built by the guard's own function."""
    dana = User(email=reporter["email"], display_name=reporter["display_name"])
    account = User(
        id=member["account_id"],
        email=member["email"],
        display_name=member["display_name"],
        marketplace_id=member["marketplace_id"],
    )
    return protected_for_ticket(
        _report(dana, member["reported_member"]),
        own_domains=OWN_DOMAINS,
        known_users=[account],
        other_spellings=[member["profile_url"]],
    )


def _report(reporter: User, reported: str) -> Ticket:
    party = parse_reported_party(reported)
    return Ticket(
        reporter=reporter,
        reported_member=party.member,
        reported_profile_url=party.profile_url,
        reported_key=party.key,
        messages=[],
    )


def evaluate() -> list[Result]:
    data = load()
    protected = {key: protected_for(m, data["reporter"]) for key, m in data["members"].items()}
    results = []
    for reply in data["replies"]:
        draft = Draft(data["reporter"]["email"], SUBJECT, reply["text"], reply=reply["text"])
        refusal = check_outbound(draft, protected[reply["member"]])
        results.append(
            Result(
                reply["text"],
                reply["language"],
                reply["category"],
                reply["expect"] == "refuse",
                refusal is not None,
                refusal.reason if refusal else None,
            )
        )
    return results


def _row(label: str, results: list[Result]) -> str:
    refused = [r for r in results if r.refused]
    hits = [r for r in refused if r.expected_refusal]
    to_refuse = [r for r in results if r.expected_refusal]
    safe = [r for r in results if not r.expected_refusal]
    precision = f"{len(hits) / len(refused):7.1%}" if refused else "      –"
    recall = f"{len(hits) / len(to_refuse):7.1%}" if to_refuse else "      –"
    false_positives = len(refused) - len(hits)
    blocked_safe = f"{false_positives / len(safe):7.1%}" if safe else "      –"
    return f"{label:<16}{len(results):>6}{precision:>11}{recall:>9}{blocked_safe:>13}"


def report(results: list[Result]) -> str:
    header = f"{'':<16}{'replies':>6}{'precision':>11}{'recall':>9}{'safe blocked':>13}"
    lines = ["Privacy guard on the labelled agent replies", "", "by kind of reply", header]
    by_category: dict[str, list[Result]] = defaultdict(list)
    by_language: dict[str, list[Result]] = defaultdict(list)
    for result in results:
        by_category[result.category].append(result)
        by_language[result.language].append(result)
    lines += [_row(name, rows) for name, rows in sorted(by_category.items())]
    lines += ["", "by language", header]
    lines += [_row(name, rows) for name, rows in sorted(by_language.items())]
    lines += ["", _row("all", results)]
    mistakes = [r for r in results if r.refused != r.expected_refusal]
    for mistake in mistakes:
        verdict = "passed" if mistake.expected_refusal else f"refused: {mistake.reason}"
        lines.append(f"\n[{mistake.language} {mistake.category}] {verdict}\n{mistake.text}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(evaluate()))
