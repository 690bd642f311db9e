"""The help center's starting content: five sections and the articles members ask for most.

`seed_help_center(author)` creates what is missing (by slug) and publishes it, through the same
domain functions the admin pages use; it flushes, the caller commits.
"""

from dataclasses import dataclass

from sqlalchemy import select

from .. import articles
from ..categories import active_category_by_slug
from ..database import db
from ..models import Article, HelpSection, User

# (slug, title, description), in the order the help center shows them.
SECTIONS = [
    ("getting-started", "Getting started", "Your account, and how the help desk works."),
    ("hiring", "Hiring", "Posting jobs, choosing freelancers, contracts and paying safely."),
    ("providing-services", "Providing services", "Proposals, workrooms, deliveries, payment."),
    ("technical-help", "Technical help", "Logging in, notifications, files and browsers."),
    ("trust-and-safety", "Trust & Safety", "Reporting violations and what happens after."),
]


@dataclass(frozen=True)
class SeedArticle:
    section: str
    slug: str
    title: str
    summary: str
    body: str
    report_category: str | None = None
    sort_order: int = 0


ARTICLES = [
    SeedArticle(
        "trust-and-safety",
        "how-to-report-a-violation",
        "How to report a violation, and what happens after",
        "Where to report, what to include, and what you can expect from the Trust & Safety team.",
        """\
If another member breaks the Code of Conduct, tell us. A person on the Trust & Safety team
reviews every report.

## Where to report

- **A job posting or a member profile**: use the *Report violation* link on the posting or
  the profile itself. It fills in what we need to find it.
- **Everything else** (messages, workrooms, proposals, payments, feedback): send a report from
  this help desk with [Report a violation](/tickets/new). Choose the category that fits best;
  if none does, choose *Other*.

## What to include

1. **What happened**, in your own words, and **when** (the date and roughly the time).
2. **Where** it happened: a link to the workroom, contract, job posting or message thread.
3. **Who** it was: their username or the address of their profile.
4. **Evidence**: screenshots or documents. Crop out your own payment details.

You can add more information or files later from **My reports**.

## What happens after you report

- You get a reference such as **HD-7K3QX9MB** straight away, and an email confirming that we
  received your report.
- A member of the team reviews it. If we need more from you, we ask in the report, and its
  status becomes *Awaiting your reply*.
- When the review is finished, the status becomes *Solved*. You can still add information if
  something new happens.

## Your report is confidential

We **never tell the member you report who reported them**. For some reports about a private
conversation, the other member may be able to guess that it concerns your shared interaction;
the form tells you before you send such a report.

## What we cannot tell you

To protect everyone's privacy, including yours, we **do not share the results of an
investigation** or **anything about another member's account**. You will not be told whether
an account was warned, restricted or closed. A report marked *Solved* means that we reviewed
it and took action where appropriate.

## In an emergency

If you or someone else is in danger, contact your local emergency services first. We can act
on the marketplace, but we cannot send help.
""",
        report_category="other",
        sort_order=1,
    ),
    SeedArticle(
        "trust-and-safety",
        "harassment-and-abusive-messages",
        "Harassment and abusive messages",
        "What counts as harassment, how to protect yourself, and how to report it.",
        """\
Nobody has to accept threats, insults, hate speech or unwanted personal or sexual messages,
whether in messages, a workroom, a proposal or feedback.

## Protect yourself first

- **Stop replying.** You do not owe an answer to someone who abuses you.
- **Keep the evidence.** Do not delete the conversation: take screenshots that show the date.
- **Block the member** from their profile if you do not want further messages.

## Report it

Send a report in the *Harassment or abusive language* category with a link to the
conversation and your screenshots. Because the messages were between the two of you, the other
member may be able to tell that a report concerns your conversation, even though we never say
who reported them.

If a contract is still running, tell us in the report: we can help you end it safely.
""",
        report_category="harassment",
        sort_order=2,
    ),
    SeedArticle(
        "trust-and-safety",
        "payments-outside-the-marketplace",
        "Requests to pay or be paid outside the marketplace",
        "Why payments must stay on the marketplace, and what to do if someone asks otherwise.",
        """\
All payments for work found on the marketplace go through the marketplace. Payment protection,
dispute help and your work history only cover payments made here.

## Warning signs

- "Let's save the fees: pay me by bank transfer."
- A request to pay in **crypto**, **gift cards** or with another payment service.
- An "invoice" or payment link sent in a message or by email.
- Pressure to move the conversation to another chat app before a contract starts.

## What to do

Do not send money or your payment details. Decline, and keep the conversation on the
marketplace. Then report the request in the *Off-platform payment request* category with a
link to the message.
""",
        report_category="off-platform-payment",
        sort_order=3,
    ),
    SeedArticle(
        "trust-and-safety",
        "recognise-a-scam",
        "How to recognise a scam",
        "The tricks scammers use most, and how to keep your account and money safe.",
        """\
## Common scams

- **Fake payment notices**: an email or message that says a payment is waiting and asks you to
  log in through a link. We never ask for your password in a message.
- **Overpayment**: a client "pays too much" and asks you to send the difference back.
- **Unpaid test work**: a large "test task" that is really the job itself.
- **Account takeover**: someone asks for a verification code "by mistake".

## Keep safe

- Log in only at the marketplace's own address, typed by you.
- Never share verification codes, passwords or identity documents in messages.
- Check that a contract and its payment show in your account before you start work.

If you lost money or shared details, change your password first, then report it in the
*Fraud or scam* category.
""",
        report_category="fraud",
        sort_order=4,
    ),
    SeedArticle(
        "getting-started",
        "using-the-help-desk",
        "Using the help desk",
        "Search the help center, send a report, and follow your reports.",
        """\
The help center answers most questions without waiting: search for a few words, or browse a
section.

When you need the team, send a report with **Report a violation**. You need an account on the
help desk; use the same email address as on the marketplace so we can find you.

**My reports** lists every report you sent, with its status:

| Status | What it means |
| --- | --- |
| Received | We have your report; nobody has started on it yet. |
| In review | A member of the team is working on it. |
| Awaiting your reply | We asked you something: answer in the report. |
| Solved | We finished our review. You can still add information. |
| Closed | The report is finished. Send a new one if something else happens. |
""",
        sort_order=1,
    ),
    SeedArticle(
        "hiring",
        "choosing-a-freelancer-safely",
        "Choosing a freelancer safely",
        "Check profiles, keep contracts and payments on the marketplace, and spot fake identities.",
        """\
- **Read the profile and the feedback**, not only the rating. Feedback written in exchange for
  favours is against the rules: report it in the *Feedback manipulation* category.
- **Look at the work samples.** A portfolio copied from someone else is a sign of a fake
  identity: report the profile with its own *Report violation* link.
- **Start with a contract** on the marketplace, and pay through it. Never pay a deposit
  outside the marketplace.
""",
        report_category="fake-identity",
        sort_order=1,
    ),
    SeedArticle(
        "providing-services",
        "protect-your-work",
        "Protecting your work and your portfolio",
        "What to do when someone copies your work, and how to deliver safely.",
        """\
- Deliver through the workroom, so that the delivery and its date are on record.
- Share previews or watermarked samples until a milestone is funded.
- If someone uses your work, trademark or portfolio without permission, report it in the
  *Intellectual property* category with links to your original and to the copy.
""",
        report_category="intellectual-property",
        sort_order=1,
    ),
    SeedArticle(
        "technical-help",
        "cannot-log-in",
        "I cannot log in",
        "Reset your password, and what to do after too many attempts.",
        """\
1. Check that you use the email address of your help-desk account.
2. Use **Forgot your password?** on the log-in page; the link in the email works for one hour.
3. After several failed attempts, log-ins are paused for a few minutes to protect your account.
   Wait, then try again.

If you think someone else got into your account, reset your password at once.
""",
        sort_order=1,
    ),
]


def seed_help_center(author: User) -> int:
    """Create the sections and articles that are missing, published; returns how many articles."""
    by_slug = {s.slug: s for s in db.session.scalars(select(HelpSection))}
    for order, (slug, title, description) in enumerate(SECTIONS, start=1):
        if slug not in by_slug:
            section = HelpSection(slug=slug, title=title, description=description, sort_order=order)
            db.session.add(section)
            by_slug[slug] = section
    db.session.flush()
    existing = set(db.session.scalars(select(Article.slug)))
    created = 0
    for spec in ARTICLES:
        if spec.slug in existing:
            continue
        category = active_category_by_slug(spec.report_category) if spec.report_category else None
        article = articles.save_article(
            author,
            articles.ArticleInput(
                title=spec.title,
                body=spec.body,
                section_id=by_slug[spec.section].id,
                slug=spec.slug,
                summary=spec.summary,
                report_category_id=category.id if category else None,
                sort_order=spec.sort_order,
            ),
        )
        articles.publish(author, article)
        created += 1
    return created
