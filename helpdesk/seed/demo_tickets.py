"""The demo tickets' stories: who reported what, and what the team did, step by step.

Data only; `seed.py` plays each story through the domain functions.
"""

from dataclasses import dataclass

from ..models import Priority, Status

MARKET = "https://marketplace.example"


# One step in a ticket's story, `hours` after it was opened.
@dataclass(frozen=True)
class Reply:
    """An agent's public reply."""

    hours: float
    body: str


@dataclass(frozen=True)
class Note:
    """An agent's internal note."""

    hours: float
    body: str


@dataclass(frozen=True)
class Followup:
    """The reporter adds to the thread."""

    hours: float
    body: str


@dataclass(frozen=True)
class Move:
    """A status change by the ticket's agent, or by the autoclose job when by_job is set."""

    hours: float
    status: Status
    by_job: bool = False


Step = Reply | Note | Followup | Move


@dataclass(frozen=True)
class DemoTicket:
    days_ago: float  # when the report came in
    reporter: str  # local part of a member's demo address
    category: str  # a default category's slug
    subject: str
    description: str
    reported: str = ""  # username or profile URL, as the member typed it
    context_url: str = ""
    agent: str | None = None  # local part of the staff address of who works it
    assigned: bool = True  # False: worked straight from the queue without taking it
    priority: Priority | None = None  # set at triage, instead of the category's default
    steps: tuple[Step, ...] = ()


# ---------------------------------------------------------------------------------------------
# Closed: solved, then closed by the autoclose job a few days later.
# ---------------------------------------------------------------------------------------------
CLOSED = [
    DemoTicket(
        28.5,
        "lukas",
        "off-platform-payment",
        "Freelancer asked me to pay the next milestone in USDT for a 'discount'",
        "I hired this developer for a Shopify app fix (fixed price, $1,400 in three "
        'milestones). After I approved the first milestone he wrote in the workroom: "if you '
        "send the remaining $950 in USDT to my wallet I can do 15% off, the platform fees are "
        'killing me". He sent a TRC20 wallet address in the next message.\n\n'
        "I said no and he asked again this morning, saying other clients do it all the time. "
        "I have not paid anything outside the platform. I'd like to keep the contract because "
        "the work is fine, but I don't want to be pressured like this.",
        reported="quickpay_dev",
        context_url=f"{MARKET}/workrooms/48213977",
        agent="priya",
        steps=(
            Move(1.2, Status.OPEN),
            Note(
                1.4,
                "Workroom confirms two requests for USDT, wallet address in the second "
                "(TRC20, starts TQ7). First off-platform report on this key. Sent warning "
                "OPP-1 to the freelancer; contract left active at the client's request.",
            ),
            Reply(
                1.6,
                "Hi Lukas,\n\nThank you for reporting this, and for keeping the payment on the "
                "marketplace. That was exactly the right call: payments made outside the "
                "platform aren't covered by payment protection, so please don't send money to "
                "a wallet or account shared in messages.\n\nWe've reviewed the conversation and "
                "will handle it under our Code of Conduct. For privacy reasons we can't share "
                "details about another member's account. If you're asked again, you can add "
                "to this report.",
            ),
            Move(1.7, Status.SOLVED),
            Move(97.7, Status.CLOSED, by_job=True),
        ),
    ),
    DemoTicket(
        26,
        "jordan",
        "feedback-manipulation",
        "Got a message offering 5-star reviews for $5 each",
        "Got an unsolicited message from a freelancer I've never worked with: \"Boost your "
        "client rating! 10 verified 5-star reviews for $50, we open small contracts with you "
        "and close them same day\".\n\nI'm a client, I don't even need reviews, but this seems "
        "like exactly the kind of thing that makes ratings on here useless. I have a "
        "screenshot if you need it.",
        reported="reviewboost",
        context_url=f"{MARKET}/proposals/~021c48e7a9d05f31",
        agent="tomas",
        priority=Priority.LOW,
        steps=(
            Move(3, Status.OPEN),
            Note(
                3.3,
                "Offer text matches the known review-farm script ('10 for $50'). Contract "
                "graph: 31 contracts opened and closed within 24h in six weeks, all $5-10. "
                "Referred to Integrity (case INT-2291); they own any account action.",
            ),
            Reply(
                3.5,
                "Hi Jordan,\n\nThanks for letting us know. Buying or selling feedback is "
                "against our Code of Conduct, and reports like yours help keep ratings "
                "meaningful. We've looked at the message and will take the steps we consider "
                "appropriate; we aren't able to share the outcome for another member's "
                "account.\n\nNo screenshot needed this time, we could see what we needed.",
            ),
            Move(3.6, Status.SOLVED),
            Move(99.6, Status.CLOSED, by_job=True),
        ),
    ),
    DemoTicket(
        24,
        "mei",
        "intellectual-property",
        "My published translation samples are being used as someone else's portfolio",
        "Two of the three samples in this profile's portfolio are my work. \"Hotel Amalfi - "
        'website localisation EN>ZH" and "Clinical trial consent form EN>ZH (excerpt)" are '
        "copied word for word from my own portfolio, which I uploaded in 2022. They even kept "
        "my formatting mistake in the second paragraph of the consent form (a double full "
        "stop after 受试者).\n\nI haven't attached anything because you can compare both "
        "profiles directly. I would like the samples removed please.",
        reported=f"{MARKET}/freelancers/~linguaexpress_pro",
        agent="tomas",
        steps=(
            Move(20, Status.OPEN),
            Note(
                20.5,
                "Compared both portfolios: 2 of 3 samples identical, including the double 。。 "
                "artefact. Reporter's uploads dated 2022-09, reported's three weeks ago. Clear "
                "copy. Portfolio items hidden, IP strike 1 recorded.",
            ),
            Reply(
                21,
                "Hello Mei,\n\nThank you for the detailed comparison; the formatting detail "
                "made this easy to verify. We've reviewed both profiles and are handling this "
                "under our intellectual property policy. We can't share what happens to "
                "another member's account, and you don't need to do anything further.\n\n"
                "If you find your work used elsewhere on the marketplace, please send a new "
                "report with the link.",
            ),
            Move(21.2, Status.SOLVED),
            Move(118, Status.CLOSED, by_job=True),
        ),
    ),
    DemoTicket(
        21,
        "jordan",
        "other",
        "Phishing email pretending to be from the marketplace",
        'Not sure this is the right place. I got an email from "Marketplace Payments" '
        "<billing@marketplace-payouts.help> saying my account was on hold and I needed to "
        "confirm my card within 24 hours. The link went to marketplace-payouts.help/login, "
        "which looks exactly like your login page. I didn't enter anything. Sending this in "
        "case you want to get it taken down.",
        agent="priya",
        priority=Priority.LOW,
        steps=(
            Move(5, Status.OPEN),
            Note(
                5.2,
                "External phishing domain, no member involved. Passed the domain to Security "
                "for a takedown request. Nothing for T&S to action.",
            ),
            Reply(
                5.5,
                "Hi Jordan,\n\nThank you for flagging this, and well done for not entering "
                "your details. That email did not come from us: we never ask you to confirm "
                "card details by email, and we only ever link to marketplace.example. We've "
                "passed the sender and the web address to our security team.\n\nIf you did "
                "click anything, changing your password and turning on two-step verification "
                "is a good precaution.",
            ),
            Move(5.6, Status.SOLVED),
            Move(101.6, Status.CLOSED, by_job=True),
        ),
    ),
    DemoTicket(
        19,
        "lukas",
        "fraud",
        "Freelancer wants the milestone approved before delivering anything",
        "Contract for a React dashboard, $2,200 fixed, milestone 1 is $800. Nothing has been "
        "delivered: the repo he invited me to is empty apart from a README. He keeps messaging "
        'that his "manager" needs the milestone approved today or they will "lose the '
        'slot", and yesterday he sent a screenshot of an "Approval required" notice with '
        "your logo on it, which I've never seen in my account.\n\nI haven't approved it. Can "
        "someone look at this before I end the contract?",
        reported=f"{MARKET}/freelancers/~alexdev.solutions",
        context_url=f"{MARKET}/contracts/31877402",
        agent="priya",
        steps=(
            Move(2, Status.OPEN),
            Note(
                2.3,
                "Approval screenshot is edited (font mismatch on the amount). Same pressure "
                "script as two earlier cases in this account cluster. Escalated to Fraud Ops; "
                "escrow on the contract frozen.",
            ),
            Reply(
                2.5,
                "Hi Lukas,\n\nThanks for reporting this before approving anything. Please "
                "don't approve the milestone or release funds while we look into it. You can "
                "end the contract at any time; escrow for work that wasn't delivered can be "
                "refunded through the normal dispute process.\n\nWe'll review the contract and "
                "the messages under our Code of Conduct. We can't share details about another "
                "member's account, but we'll write here if we need anything from you.",
            ),
            Move(2.6, Status.ON_HOLD),
            Followup(
                30,
                "I ended the contract and opened the refund request. Thanks for the quick help.",
            ),
            Reply(
                31,
                "Thanks for the update, Lukas. The refund request goes through the usual "
                "steps and you'll get an email when it's processed. We're marking this report "
                "as solved; you can still add to it over the next few days if anything else "
                "comes up.",
            ),
            Move(31.2, Status.SOLVED),
            Move(127.2, Status.CLOSED, by_job=True),
        ),
    ),
    DemoTicket(
        17,
        "amara",
        "harassment",
        "Inappropriate comments during an interview chat",
        "I applied to a logo job and the client started the interview chat with questions "
        'about the project, then asked if I was single and whether I would "do a video call '
        "without the professional stuff\". When I said I'd prefer to keep it to the brief he "
        'said women designers are "too sensitive anyway" and closed the chat.\n\nI withdrew '
        "my proposal. I don't need anything back, I just don't want this to happen to the "
        "next person.",
        reported="t0mmy_b",
        context_url=f"{MARKET}/jobs/~01c9e2f40a7b1d38",
        agent="admin",
        steps=(
            Move(4, Status.OPEN),
            Note(
                4.5,
                "Chat transcript confirms both comments. No prior reports. Warning issued and "
                "HAR-S flag added; next incident means suspension.",
            ),
            Reply(
                4.8,
                "Hi Amara,\n\nI'm sorry this happened, and thank you for taking the time to "
                "report it. Comments like these have no place on the marketplace. We've "
                "reviewed the chat and will act under our Code of Conduct; for privacy "
                "reasons we don't share what happens to another member's account.\n\nIf this "
                "client contacts you again, you can block them from the message thread and "
                "add to this report.",
            ),
            Move(5, Status.SOLVED),
            Move(101, Status.CLOSED, by_job=True),
        ),
    ),
    DemoTicket(
        15,
        "mei",
        "job-posting",
        "Job asks 'subject experts' to take university exams for students",
        'This posting says: "Looking for subject experts to complete online exams on behalf '
        "of our students, $40-$120 per exam, must be able to log in from a US IP\". That's "
        "academic fraud. It already has 23 proposals.",
        reported=f"{MARKET}/clients/~fastessays_global",
        context_url=f"{MARKET}/jobs/~01f0a3c5e7b9d124",
        agent="tomas",
        steps=(
            Move(6, Status.OPEN),
            Note(
                6.1,
                "Contract cheating, prohibited services list item 4. Posting removed. Client "
                "has 3 more live postings with similar wording; sent the account to Policy "
                "for review.",
            ),
            Reply(
                6.3,
                "Hello Mei,\n\nThank you for the report. Postings that ask for academic work "
                "to be submitted on someone else's behalf break our Terms of Service. We've "
                "reviewed the posting and will handle it accordingly. We don't share details "
                "about other members' accounts, but reports like this really do help.",
            ),
            Move(6.4, Status.SOLVED),
            Move(102.4, Status.CLOSED, by_job=True),
        ),
    ),
    DemoTicket(
        13,
        "jordan",
        "member-profile",
        "Profile lists a WhatsApp number and 'DM me on Telegram for 50% cheaper'",
        'The profile overview ends with "Skip the fees! WhatsApp +44 7700 900183 or Telegram '
        "@samcopy for 50% cheaper rates\". Pretty sure that's not allowed.",
        reported="sam_writes_copy",
        agent="priya",
        assigned=False,
        priority=Priority.LOW,
        steps=(
            Note(
                25.8,
                "Contact details removed from the overview with the profile moderation tool. "
                "Standard OPP-profile warning sent.",
            ),
            Reply(
                26,
                "Hi Jordan,\n\nThanks for pointing this out. Sharing contact details to move "
                "work off the marketplace isn't allowed, and we've reviewed the profile. "
                "Please keep your own conversations and payments on the marketplace so you "
                "stay covered by payment protection.",
            ),
            Move(26.1, Status.SOLVED),
            Move(122.1, Status.CLOSED, by_job=True),
        ),
    ),
    DemoTicket(
        10,
        "lukas",
        "fake-identity",
        "Developer says he's in Austin, TX, but a different person joined our call",
        "We hired this developer on an hourly contract ($45/h). The job post required a "
        "US-based developer because of our client's data rules, and his profile says Austin, "
        "TX. On our first video call the person who joined had a different name on the Zoom "
        "account and kept the camera off. All his commits are timestamped between 9pm and "
        "5am Austin time.\n\nI'm not trying to get anyone in trouble for where they live, but "
        "we specifically required US-based and he confirmed it in writing.",
        reported=f"{MARKET}/freelancers/~ethan_codes_us",
        context_url=f"{MARKET}/contracts/30452219",
        agent="admin",
        steps=(
            Move(3, Status.OPEN),
            Reply(
                3.5,
                "Hi Lukas,\n\nThanks for the report. To help us look into this, could you "
                "add:\n1. the message where the location requirement was confirmed (or a "
                "screenshot of it), and\n2. the date of the video call?\n\nThat's all we need "
                "from you for now.",
            ),
            Move(3.6, Status.PENDING),
            Followup(
                20,
                "The confirmation is in the workroom on the first day, the message starts "
                '"Yes I\'m in Austin, fully US based, no issues". The call was last Thursday '
                "at 10am Central.",
            ),
            Note(
                22,
                "Login history: all sessions from Pune, VPN exit in Dallas for the time "
                "tracker only. ID verified under a different name from the profile. Identity "
                "team confirms account sharing; account restricted, contract flagged for "
                "refund review.",
            ),
            Reply(
                22.5,
                "Thank you, Lukas, that's everything we needed. We've reviewed this under our "
                "identity policy. We can't share the outcome for another member's account, "
                "but if you decide to end the contract, questions about hours billed can go "
                "through the usual dispute process.",
            ),
            Move(22.6, Status.SOLVED),
            Move(118.6, Status.CLOSED, by_job=True),
        ),
    ),
]

# ---------------------------------------------------------------------------------------------
# Solved in the last few days.
# ---------------------------------------------------------------------------------------------
SOLVED = [
    DemoTicket(
        2.8,
        "mei",
        "harassment",
        "Client sending insulting messages after I asked for the agreed milestone",
        "I translated a 6,000-word product catalogue (EN>ZH, $480 fixed) and delivered on "
        "time. When I asked him to review and release the milestone he started sending "
        'messages like "you people always cheat", "learn English before you call yourself '
        'a translator" and "I will make sure nobody hires you again".\n\nThere were 9 '
        "messages like this between 11pm and 1am. I have not replied to any of them since "
        "the first one.",
        reported="k.vance",
        context_url=f"{MARKET}/workrooms/50917734",
        agent="priya",
        steps=(
            Move(1, Status.OPEN),
            Note(
                1.3,
                "Workroom messages 41-49 confirm the insults and the threat to her "
                "reputation. Second report from this reporter about this client (the "
                "feedback-pressure one is waiting on her). Final warning HAR-1 issued.",
            ),
            Reply(
                1.5,
                "Hi Mei,\n\nI'm sorry you've had to deal with this. Messages like these are "
                "not acceptable, and thank you for reporting them rather than replying. We've "
                "reviewed the workroom and are handling this under our Code of Conduct; for "
                "privacy reasons we can't share details of any action on another member's "
                "account.\n\nAbout the milestone: if it isn't released or disputed within 14 "
                "days of delivery, it is released to you automatically, so you don't need to "
                "ask again.",
            ),
            Move(1.6, Status.SOLVED),
        ),
    ),
    DemoTicket(
        2.6,
        "amara",
        "job-posting",
        "'Paid project' is actually a full unpaid logo design as a test",
        'The posting is for "Brand identity for fintech startup, $3,000". To be shortlisted '
        'you have to submit a "test task": a complete logo with three colour variations and '
        "a one-page brand sheet, \"unpaid, as is standard\". That isn't a test, that's the "
        "whole job.\n\nI spoke to two other designers who did the test and never heard back, "
        "and the posting has been reposted at least twice in the last month with the same "
        "text.",
        reported="brightlabs_hr",
        context_url=f"{MARKET}/jobs/~01ab7c3e9f2d4b6a",
        agent="tomas",
        steps=(
            Move(8, Status.OPEN),
            Note(
                8.4,
                "JP-3 (unpaid test work over 1h), third repost with identical text. Posting "
                "removed. This client is under Fraud Ops investigation (passport-form "
                "report), so no account action from us; told them about this posting too.",
            ),
            Reply(
                9,
                "Hi Amara,\n\nThank you for the clear report. Asking for unpaid test work that "
                "amounts to the actual project goes against our job posting rules. We've "
                "reviewed the posting and will handle it under those rules; we can't share "
                "details about another member's account.\n\nIf you see the same posting again, "
                "please report it with the new link.",
            ),
            Move(9.1, Status.SOLVED),
        ),
    ),
    DemoTicket(
        1.9,
        "lukas",
        "feedback-manipulation",
        "Proposal on my job is an ad for buying reviews",
        'Posted a job for a WordPress developer. One "proposal" just says: "Your new '
        "account has no reviews so good freelancers ignore you. We provide client-side "
        "reviews from real freelancer accounts, $8 per review, packages of 10/25/50. Reply "
        'YES."\n\nNot a proposal at all.',
        reported=f"{MARKET}/freelancers/~reviewboost",
        context_url=f"{MARKET}/proposals/~021f7a3c5e9b1d48",
        agent="priya",
        priority=Priority.LOW,
        steps=(
            Move(4, Status.OPEN),
            Note(4.2, "Same review-selling script. Proposal hidden; added to INT-2291."),
            Reply(
                4.5,
                "Hi Lukas,\n\nThanks for reporting this proposal. Offering to buy or sell "
                "feedback breaks our Code of Conduct. We've reviewed the proposal and will "
                "handle it; we can't share details about another member's account. You can "
                "decline the proposal from your job page if it's still showing.",
            ),
            Move(4.6, Status.SOLVED),
        ),
    ),
    DemoTicket(
        2.2,
        "jordan",
        "off-platform-payment",
        "Freelancer offered to do the next phase 'directly' after the contract ended",
        "Marco did a good job on our store migration, no complaints about the work. But when "
        "we closed the contract he sent a message saying \"for the next phase let's do it "
        "directly, I'll invoice you through my company in Portugal, saves us both 10%\".\n\n"
        "I'd rather keep using the platform. I'm reporting because I think that's the rule, "
        "not because I want him punished.",
        reported="marco.builds",
        context_url=f"{MARKET}/contracts/32019956",
        agent="tomas",
        priority=Priority.LOW,
        steps=(
            Move(10, Status.OPEN),
            Note(
                10.3,
                "First offence, polite, no payment made. Education message OPP-0 sent, no strike.",
            ),
            Reply(
                10.5,
                "Hi Jordan,\n\nThanks for reporting this, and for explaining the context. "
                "Moving work off the marketplace after meeting here is against our Terms, and "
                "keeping the next phase on the platform means you keep payment protection and "
                "dispute support. We've reviewed the message and will handle it "
                "appropriately; we don't share details about another member's account.",
            ),
            Move(10.6, Status.SOLVED),
        ),
    ),
    DemoTicket(
        5.5,
        "mei",
        "fraud",
        "Client disputed my translation, got a refund, and published it anyway",
        "Contract: Swedish to Chinese localisation of a product website, $620. I delivered "
        "all 14 pages on time. The client opened a dispute saying the translation was "
        '"machine quality" and got the escrow refunded.\n\nToday I found all 14 pages live '
        "on their website, using my translation word for word (I checked against my delivery "
        "file, it even uses my glossary terms): https://www.nordictasks-shop.example/zh/\n\n"
        "I feel completely cheated.",
        reported="nordic_tasks",
        context_url=f"{MARKET}/contracts/31550287",
        agent="tomas",
        steps=(
            Move(2, Status.OPEN),
            Reply(
                3,
                "Hi Mei,\n\nI'm sorry, that sounds very frustrating. Thank you for the link "
                "and the details. Could you reply with the name of the file you delivered in "
                "the workroom and the day you delivered it, so we can compare it with what's "
                "published?",
            ),
            Move(3.1, Status.PENDING),
            Followup(
                9,
                'The file is "nordictasks_ZH_final_v3.docx", delivered in the workroom last '
                "Monday at 16:20 my time. I also saved the web pages as PDFs today in case "
                "they change them.",
            ),
            Note(
                11,
                "Delivered file vs live site: 13 of 14 pages identical, glossary terms match. "
                "Payments reviewing the dispute decision (PAY-88213); client flagged for work "
                "theft.",
            ),
            Move(11.1, Status.ON_HOLD),
            Note(
                60,
                "Payments reversed the dispute outcome, funds released to the reporter. "
                "Client account restricted.",
            ),
            Reply(
                61,
                "Hi Mei,\n\nThanks for your patience. We've finished reviewing the dispute for "
                "this contract and the payment has been released to you; you'll see it in your "
                "transaction history within 2 working days. We've also reviewed the rest of "
                "your report under our Code of Conduct, though we can't share details about "
                "another member's account.",
            ),
            Move(61.2, Status.SOLVED),
        ),
    ),
    DemoTicket(
        3,
        "jordan",
        "member-profile",
        "Profile claims to be a 'Google Partner agency' with a fake badge",
        'Their profile banner shows the Google Partner badge and says "Official Google '
        "Premier Partner\". I checked Google's partner directory and there's no agency with "
        "that name. We nearly hired them partly because of that badge.",
        reported=f"{MARKET}/freelancers/~growthhacker_ai",
        agent="priya",
        priority=Priority.LOW,
        steps=(
            Move(30, Status.OPEN),
            Note(
                30.2,
                "No match in the Google Partners directory (name and website). Badge removed "
                "from the banner; false-credentials warning sent.",
            ),
            Reply(
                30.5,
                "Hi Jordan,\n\nThank you for checking and for letting us know. Profiles must "
                "not claim certifications or partnerships the member doesn't hold. We've "
                "reviewed the profile and will handle it under our rules; we can't share "
                "details about another member's account.",
            ),
            Move(30.6, Status.SOLVED),
        ),
    ),
    DemoTicket(
        1.4,
        "amara",
        "other",
        "Can I report something that happened in a Discord server for freelancers?",
        "Someone who is a member here posted my full name, a link to my profile and a "
        "screenshot of my rates in a Discord server for freelancers, with a comment mocking "
        "my prices. It wasn't on the marketplace so I don't know if you can do anything. I "
        "don't know their username here, only their Discord name.",
        agent="admin",
        assigned=False,
        priority=Priority.LOW,
        steps=(
            Note(12.2, "Off-platform conduct, no identifiable account. Guidance only."),
            Reply(
                12.5,
                "Hi Amara,\n\nThanks for reaching out, and I'm sorry this happened. Our Code "
                "of Conduct covers what happens on the marketplace, so we usually can't act "
                "on posts in outside communities, and without a username we can't link it to "
                "an account here.\n\nIf this person contacts you on the marketplace, or you "
                "find their profile here, please send a new report with the link. For the "
                "Discord post itself, the server's moderators or Discord's own reporting "
                "tools are the quickest route.",
            ),
            Move(12.6, Status.SOLVED),
        ),
    ),
    DemoTicket(
        0.9,
        "mei",
        "fake-identity",
        "Profile is using my NAATI certification number",
        'This profile lists "NAATI certified translator, practitioner no. CPN7XK2QF". That '
        "is my NAATI number, I looked it up. Her name is not in the NAATI directory. Please "
        "check.",
        reported=f"{MARKET}/freelancers/~anna.k.translations",
        agent="tomas",
        steps=(
            Move(5, Status.OPEN),
            Note(
                5.5,
                "NAATI online directory: the number belongs to the reporter (name matches her "
                "verified ID). Credential removed from the profile, fake-credential strike.",
            ),
            Reply(
                6,
                "Hello Mei,\n\nThank you for reporting this. Members may only list "
                "credentials that are their own. We've checked the profile against the "
                "public register and will deal with it under our identity policy; we can't "
                "share details about another member's account. You may also want to let the "
                "issuing body know, as they keep their own records of misuse.",
            ),
            Move(6.1, Status.SOLVED),
        ),
    ),
    DemoTicket(
        0.5,
        "jordan",
        "job-posting",
        "Job wants 'logistics assistants' to receive parcels at home and reship them",
        "This is a reshipping scam, I've seen it on the news. \"Remote Logistics Assistant - "
        "receive parcels at your home address, inspect and reship with prepaid labels, "
        '$350/week + bonuses". It asks applicants to put their full address and a photo of '
        "their ID in the cover letter.",
        context_url=f"{MARKET}/jobs/~01f4a2b6c8d0e193",
        agent="admin",
        priority=Priority.URGENT,
        steps=(
            Move(0.8, Status.OPEN),
            Note(
                1,
                "Reshipping mule scheme. Posting removed, client suspended. Fraud Ops sending "
                "the safety notice to the 11 applicants who included an address.",
            ),
            Reply(
                1.2,
                "Hi Jordan,\n\nThank you, this was worth reporting quickly. Job postings that "
                "ask for parcels to be received and reshipped, or for ID documents in a "
                "proposal, are not allowed, and we've reviewed this one under our rules.\n\nIf "
                "you applied or shared any personal details with this client, please tell us "
                "here so we can advise you.",
            ),
            Move(1.3, Status.SOLVED),
        ),
    ),
]

# ---------------------------------------------------------------------------------------------
# On hold: waiting inside the company (Legal, Payments, Security, Identity).
# ---------------------------------------------------------------------------------------------
ON_HOLD = [
    DemoTicket(
        6,
        "jordan",
        "fraud",
        "Freelancer sent a fake 'secure payment' page that asked for my card",
        "We have a small contract with this developer ($300, bug fixes for our checkout). He "
        'said the payment for milestone 2 "failed" and sent a link to '
        'marketplace-securepay.com/verify to "re-verify the client card". The page looked '
        "exactly like your checkout. I typed my card number before I realised the address "
        "was wrong, then closed it.\n\nI've already called my bank and cancelled the card. "
        "Did anyone else get this? Please stop him before he does it to someone who doesn't "
        "notice.",
        reported=f"{MARKET}/freelancers/~quickpay_dev",
        context_url=f"{MARKET}/workrooms/49120385",
        agent="admin",
        priority=Priority.URGENT,
        steps=(
            Move(0.5, Status.OPEN),
            Note(
                0.7,
                "Phishing domain registered 6 days ago. Card number entered; reporter has "
                "cancelled the card. Earlier off-platform reports on this key (USDT). Account "
                "on fraud hold. Escalated to Security (takedown) and Legal (possible police "
                "report).",
            ),
            Reply(
                1,
                "Hi Jordan,\n\nThank you for reporting this so quickly, and for calling your "
                "bank straight away; that was the most important step. The link you received "
                "is not one of ours: we never ask you to re-enter card details through a link "
                "in messages. Please don't click anything else from that conversation.\n\nOur "
                "security team is looking into the page. We can't share details about another "
                "member's account, but we'll update you here if we need anything. If you "
                "notice any unexpected charges on the marketplace itself, reply here.",
            ),
            Move(1.1, Status.ON_HOLD),
            Note(
                26,
                "Security: takedown filed with the registrar, waiting. Legal wants this kept "
                "on hold until they confirm whether a police request needs the reporter's "
                "statement.",
            ),
        ),
    ),
    DemoTicket(
        14,
        "mei",
        "fraud",
        "Client asking for passport scan and bank login 'for payroll' before any interview",
        'I applied to a "Chinese content moderator, $25/h, long term" job from this client. '
        'Before any interview, their "HR assistant" sent me a form asking for a passport '
        "scan, a selfie holding the passport, my bank name and my online banking username "
        '"so payroll can be set up in advance".\n\nI didn\'t fill it in. The form is at '
        "https://forms.example/brightlabs-onboarding",
        reported=f"{MARKET}/clients/~brightlabs_hr",
        context_url=f"{MARKET}/jobs/~01d3b5f7a9c1e246",
        agent="tomas",
        steps=(
            Move(2, Status.OPEN),
            Note(
                2.5,
                "Identity-harvesting pattern; the posting had 40+ applicants. Fraud Ops asked "
                "us NOT to action the account yet (active investigation). Legal deciding "
                "whether to notify all applicants. On hold until Fraud Ops gives the "
                "go-ahead.",
            ),
            Reply(
                3,
                "Hello Mei,\n\nThank you for not filling in the form, and for reporting it. We "
                "never need your bank login, and a client should never ask for identity "
                "documents outside the marketplace's own verification. We're looking into this "
                "under our Code of Conduct and can't share details about another member's "
                "account.\n\nIf you did share any personal details in the conversation, please "
                "tell us here.",
            ),
            Move(3.1, Status.ON_HOLD),
        ),
    ),
    DemoTicket(
        9,
        "lukas",
        "fake-identity",
        "The designer on my contract is not the person on the profile",
        "The profile shows a woman called Maria based in Lisbon, with a portfolio of "
        "packaging design. On our kickoff video call on Tuesday the person who joined was a "
        'man who said he was "Maria\'s project manager" and that Maria "doesn\'t do '
        'calls".\n\nThe work I received for the first milestone ($600) is a stock template '
        "from Envato with our name pasted in. I found the template. I want to know who I'm "
        "actually working with.",
        reported="designpro.maria",
        context_url=f"{MARKET}/contracts/31988044",
        agent="priya",
        steps=(
            Move(1.5, Status.OPEN),
            Reply(
                2,
                "Hi Lukas,\n\nThanks for the report. Could you add the link to the Envato "
                "template you found, and tell us whether you have approved or paid the first "
                "milestone? That will help us review the contract.",
            ),
            Move(2.1, Status.PENDING),
            Followup(
                7,
                "Template: https://elements.envato.example/packaging-mockup-kit-8H2K9\n"
                "Milestone 1 is NOT approved yet, it's still in escrow.",
            ),
            Note(
                8,
                "Delivery is the Envato template. Profile photo is an Unsplash stock photo. "
                "ID verification shows a different person from the profile. Sent to the "
                "Identity team; escrow on this contract held.",
            ),
            Move(8.1, Status.ON_HOLD),
            Reply(
                8.3,
                "Thank you, Lukas. Please don't approve the milestone while we review this; "
                "the funds stay in escrow in the meantime. Our identity team is reviewing the "
                "account, which can take a few days. We'll let you know here when our review "
                "is finished, though we can't share details about another member's account.",
            ),
        ),
    ),
    DemoTicket(
        1.5,
        "amara",
        "harassment",
        "Client sent me a threat after I ended the contract",
        "I ended an hourly contract with this client because he kept asking for work outside "
        'the agreed hours without logging them. Last night he sent: "You think you can just '
        "walk away? I know you're in Leeds, I know your studio name, you'll regret this.\"\n\n"
        "I'm scared, honestly. My studio address is on my own website, which is linked from my "
        "portfolio. I've reported it to the police and have a reference number.",
        reported=f"{MARKET}/clients/~k.vance",
        context_url=f"{MARKET}/workrooms/50211876",
        agent="admin",
        priority=Priority.URGENT,
        steps=(
            Move(0.4, Status.OPEN),
            Note(
                0.6,
                "Credible-threat protocol. Third report on this key in ~10 days (two from "
                "another freelancer). Account suspended, messaging disabled. Reporter has a "
                "police reference. LE liaison notified; hold until Legal confirms whether "
                "records are requested.",
            ),
            Reply(
                0.8,
                "Hi Amara,\n\nI'm really sorry you received this message. Thank you for "
                "telling us straight away and for contacting the police. If you ever feel you "
                "are in immediate danger, please call your local emergency number first.\n\n"
                "We've reviewed the message and are treating this with priority under our "
                "Code of Conduct. If the police ask the marketplace for records, they can "
                "contact us directly and mention your report reference. We can't share "
                "details about another member's account, but you can add anything new to this "
                "report at any time.",
            ),
            Move(0.9, Status.ON_HOLD),
        ),
    ),
    DemoTicket(
        8,
        "jordan",
        "intellectual-property",
        "Freelancer's portfolio shows our product photos as their own work",
        "We're a small ceramics shop. Our product photos (shot by our own photographer in "
        "2023) appear in this freelancer's portfolio as \"Product photography - ceramic "
        'brand". Six images, including the blue glaze mug series. We never worked with them. '
        "I can send the RAW files if proof is needed.",
        reported=f"{MARKET}/freelancers/~pixelforge_studio",
        agent="tomas",
        steps=(
            Move(18, Status.OPEN),
            Reply(
                18.5,
                "Hi Jordan,\n\nThank you for the report. For intellectual property reports we "
                "need to confirm the rights holder. Could you reply with the name of the "
                "business, the name of the photographer, and a link to where the photos were "
                "first published (for example your shop or social media)? You don't need to "
                "send RAW files.",
            ),
            Move(18.6, Status.PENDING),
            Followup(
                40,
                "Business: Hollow Clay Ceramics. Photographer: Ines Dubois (she's fine with us "
                "reporting this). First published on hollowclay.example/shop in March 2023, "
                "also on our Instagram.",
            ),
            Note(
                42,
                "Rights confirmed by first-publication dates. Formal IP notice has a 10 "
                "business day counter-notice window; Legal owns it. On hold until the window "
                "ends.",
            ),
            Move(42.2, Status.ON_HOLD),
            Reply(
                42.5,
                "Thank you, that's everything we need. Our intellectual property process "
                "includes a fixed waiting period, so this report will stay in review for up "
                "to two weeks. You don't need to do anything in the meantime; we'll write "
                "here when the process is complete.",
            ),
        ),
    ),
    DemoTicket(
        5,
        "amara",
        "fake-identity",
        "Someone made a profile with my name and my whole portfolio",
        'There\'s a new profile called "Amara Okafor Designs Official" using my name, my '
        "headshot and my entire portfolio (all 14 pieces). It's bidding on jobs at half my "
        "rate. Two of my regular clients have asked me if it's my second account. It is "
        "not. My profile is the one this report comes from.",
        reported=f"{MARKET}/freelancers/~amaraokafor_designs",
        agent="admin",
        priority=Priority.HIGH,
        steps=(
            Move(3, Status.OPEN),
            Note(
                3.2,
                "Impersonation confirmed: headshot and all 14 portfolio items copied; account "
                "9 days old, ID check never completed. Hidden from search. Identity team to "
                "finish the review; on hold for their outcome.",
            ),
            Reply(
                3.5,
                "Hi Amara,\n\nThank you for reporting this, and I'm sorry you're dealing with "
                "it. Impersonating another member is against our Code of Conduct, and we're "
                "reviewing the profile with our identity team. If your clients ask, you can "
                "tell them that your profile is the one they've worked with you on.\n\nWe "
                "can't share details about another member's account, but we'll update you "
                "here when our review is complete.",
            ),
            Move(3.6, Status.ON_HOLD),
        ),
    ),
    DemoTicket(
        4.5,
        "lukas",
        "feedback-manipulation",
        "Agency threatening 1-star feedback unless I pay for 'extra hours'",
        "We closed a fixed-price contract ($1,800) after the agency delivered. Two days later "
        'their account manager messaged: "Pay 12 extra hours ($540) for the revisions or we '
        "leave you 1 star and tell other freelancers you don't pay\".\n\nThe revisions were "
        'within scope: the contract terms say "2 rounds of revisions included". The '
        "feedback window is still open on both sides.",
        reported="devsquad_agency",
        context_url=f"{MARKET}/contracts/30877120",
        agent="tomas",
        steps=(
            Move(5, Status.OPEN),
            Note(
                5.4,
                "Feedback extortion, FM-2. Agency has a history of feedback disputes. Asked "
                "Feedback Integrity to hold feedback on this contract; waiting for them to "
                "confirm.",
            ),
            Move(5.5, Status.ON_HOLD),
            Reply(
                6,
                "Hi Lukas,\n\nThank you for reporting this. Using feedback as a threat to get "
                "paid more than the agreed terms is against our Code of Conduct. Please don't "
                "pay anything outside the contract terms. We're reviewing the messages and the "
                "contract, and our feedback team will look at any feedback left on this "
                "contract. We can't share details about another member's account.",
            ),
        ),
    ),
]

# ---------------------------------------------------------------------------------------------
# Pending: an agent asked the reporter for something.
# ---------------------------------------------------------------------------------------------
PENDING = [
    DemoTicket(
        9,
        "mei",
        "feedback-manipulation",
        "Client says he'll leave 1 star unless I translate a second page for free",
        "After I delivered the translation (contract $210), the client wrote that he would "
        'only leave feedback if I also translated their "about us" page for free, '
        '"otherwise 1 star and a public review about your attitude". The about page is '
        "another 1,100 words. I haven't replied.",
        reported=f"{MARKET}/clients/~k.vance",
        context_url=f"{MARKET}/contracts/32104577",
        agent="priya",
        steps=(
            Move(2, Status.OPEN),
            Reply(
                2.5,
                "Hi Mei,\n\nThanks for letting us know. Feedback must not be used to pressure "
                "you into unpaid work. To review this, could you tell us whether the milestone "
                "has been released, and whether the message was sent in the workroom or in a "
                "direct message? If there was more than one message like this, the dates would "
                "help.",
            ),
            Move(2.6, Status.PENDING),
        ),
    ),
    DemoTicket(
        1.3,
        "amara",
        "job-posting",
        "Same unpaid 'test task' posting is back under a new title",
        "The fintech logo posting with the unpaid test task is live again, now called "
        '"Logo refresh - quick paid project". The description still says the test (full '
        "logo, 3 colourways, brand sheet) is unpaid. New link above.",
        reported="@BrightLabs_HR",
        context_url=f"{MARKET}/jobs/~01e6c8a0b2d4f357",
        agent="tomas",
        steps=(
            Note(
                5.8,
                "Repost of the JP-3 posting, worded differently enough that the auto-match "
                "missed it. Flagged to the Fraud Ops investigation on this client.",
            ),
            Reply(
                6,
                "Hi Amara,\n\nThanks for spotting this and sending the new link. Could you "
                "confirm whether the new posting asks for the test task to be sent through "
                "the proposal or by email? We want to be sure we're looking at the same "
                "version you saw.",
            ),
            Move(6.1, Status.PENDING),
        ),
    ),
    DemoTicket(
        3.5,
        "jordan",
        "other",
        "Charged twice for the same milestone?",
        "My card statement shows two charges of $412.50 on the same day for the milestone on "
        "our packaging contract. The transaction history here only shows one. Is this a scam "
        "by the freelancer or a billing error?",
        agent="tomas",
        priority=Priority.LOW,
        steps=(
            Note(
                4,
                "Not a CoC issue; almost certainly a card pre-authorisation. If it's still "
                "showing after the reporter replies, transfer to the Billing queue.",
            ),
            Reply(
                4.2,
                "Hi Jordan,\n\nThanks for getting in touch. Freelancers can't charge your card "
                "directly, and a second charge like this is usually a temporary authorisation "
                "that drops off within a few days. To check, could you reply with the last "
                "four digits of the card and the dates of both charges? Please don't send the "
                "full card number.",
            ),
            Move(4.3, Status.PENDING),
        ),
    ),
    DemoTicket(
        13,
        "lukas",
        "off-platform-payment",
        "Same freelancer asking for crypto again, on a different contract",
        "Second contract with this developer (small API integration, $380). Today he asked "
        'again: "can you do Wise or USDT for this one, my account has a payout hold". I said '
        "no again. The work is fine, but this is getting tiring.",
        reported="@QuickPay_Dev",
        context_url=f"{MARKET}/workrooms/49988120",
        agent="priya",
        steps=(
            Move(3, Status.OPEN),
            Note(
                3.2,
                "Second OPP report on this key from the same client; the first one got OPP-1. "
                "Next step is OPP-2 (payout hold) once the message is confirmed.",
            ),
            Reply(
                4,
                "Hi Lukas,\n\nThank you for reporting this again, it really does help. Please "
                "keep all payments on the marketplace. Could you tell us whether the request "
                "was made in the workroom or in a message thread, and roughly when? If it was "
                "in the workroom linked in your report, just confirm that.",
            ),
            Move(4.1, Status.PENDING),
        ),
    ),
    DemoTicket(
        7,
        "amara",
        "intellectual-property",
        "My bakery brand identity is in another designer's portfolio",
        'The case study "Artisan bakery rebrand" on this profile is my project for Crumb & '
        "Co (Manchester), 2024. Logo, menu boards, packaging, even my mockup photos. The "
        "client can confirm I did it. I'd like it taken down, please.",
        reported=f"{MARKET}/freelancers/~designpro.maria",
        agent="tomas",
        steps=(
            Move(20, Status.OPEN),
            Reply(
                21,
                "Hi Amara,\n\nThank you for the report. To review an intellectual property "
                "claim we need to confirm that you're the rights holder. Could you reply with a "
                "link to where you first published the work (your website, Behance or "
                "similar) and, if you have it, the date you delivered it to the client? A "
                "screenshot of the original files' details is also fine.",
            ),
            Move(21.1, Status.PENDING),
        ),
    ),
    DemoTicket(
        2.6,
        "jordan",
        "harassment",
        "Freelancer swearing at my team in the workroom",
        "We asked for changes to some blog posts (within the 2 agreed revisions) and the "
        'freelancer replied in the shared workroom with "are you all f***ing illiterate" '
        "and a few similar messages aimed at my colleague Sarah. Sarah is pretty upset. "
        "We've paused the contract.",
        reported="b.harlow_writer",
        context_url=f"{MARKET}/workrooms/50644321",
        agent="admin",
        steps=(
            Move(2, Status.OPEN),
            Reply(
                2.4,
                "Hi Jordan,\n\nI'm sorry your colleague had to deal with this, and thanks for "
                "reporting it. Could you tell us the approximate date and time of the "
                "messages, and whether any were sent outside the workroom? That will help us "
                "find them quickly.",
            ),
            Move(2.5, Status.PENDING),
        ),
    ),
    DemoTicket(
        1.8,
        "mei",
        "off-platform-payment",
        "Client wants me to join their 'vendor portal' and get paid by PayPal",
        "The client invited me to a job (Chinese subtitles for training videos, about 40 "
        'hours). Before I accept the offer, they want me to "register on our vendor portal" '
        'and said payment will be by PayPal every two weeks "to keep things simple".\n\nIs '
        "that allowed? I'd really like this job, but not if it puts my account at risk.",
        reported=f"{MARKET}/clients/~lumen_edu",
        context_url=f"{MARKET}/jobs/~01a7c9e1b3d5f680",
        agent="priya",
        priority=Priority.LOW,
        steps=(
            Reply(
                9,
                "Hi Mei,\n\nThanks for asking before accepting, you did the right thing. "
                "Payments for work found on the marketplace need to go through the "
                "marketplace, so PayPal payments for this job wouldn't be allowed and wouldn't "
                "be covered by payment protection.\n\nCould you tell us whether the client "
                "sent you a link to the vendor portal? If so, please paste it here, but don't "
                "log in to it.",
            ),
            Move(9.1, Status.PENDING),
        ),
    ),
    DemoTicket(
        4,
        "amara",
        "other",
        "Spam messages every day selling 'client reviews' to freelancers",
        'I get a new message every day or two from this account, offering "verified client '
        'reviews" and "Top Rated in 30 days guaranteed". I\'ve blocked it twice but the '
        "messages keep coming from slightly different names, always with the same logo. The "
        "last one was this morning.",
        reported=f"{MARKET}/freelancers/~reviewboost",
        agent="tomas",
        steps=(
            Move(6, Status.OPEN),
            Reply(
                6.5,
                "Hi Amara,\n\nThanks for the report. Could you reply with the names shown on "
                "the last two or three messages you received? You don't need to open any "
                "links in them.",
            ),
            Move(6.6, Status.PENDING),
            Note(6.8, "Likely more INT-2291 sock puppets. Waiting for the names to link them."),
        ),
    ),
]

# ---------------------------------------------------------------------------------------------
# Open: an agent is on it.
# ---------------------------------------------------------------------------------------------
OPEN = [
    DemoTicket(
        3.2,
        "mei",
        "harassment",
        "Repeated personal messages after I declined a job",
        "I declined an invitation from this client because the budget was too low ($5 for "
        "1,000 words). Since then he has messaged me 17 times in 3 days: asking why, then "
        'calling me "arrogant", then asking for my WeChat "to talk as friends". Last '
        "night he sent a photo of himself and asked for one of me.\n\nI've blocked him but he "
        "can still see my profile.",
        reported="r_ostrowski",
        agent="priya",
        steps=(
            Move(1, Status.OPEN),
            Note(
                1.3,
                "17 messages confirmed, escalating; sexual harassment flag. Two similar "
                "threads with other translators who declined his invitations found so far. "
                "Keep open until that sweep is done.",
            ),
            Reply(
                1.6,
                "Hi Mei,\n\nI'm sorry you've had to deal with this, and thank you for "
                "reporting it. Blocking him was the right thing to do: once blocked, he can't "
                "send you new messages. We're reviewing the messages under our Code of "
                "Conduct. We can't share details about another member's account, but if "
                "anything new happens, please add it to this report.",
            ),
        ),
    ),
    DemoTicket(
        2.1,
        "jordan",
        "fraud",
        "Freelancer took the $150 milestone and disappeared",
        "I hired this freelancer for a simple logo, $150 fixed. He asked me to release the "
        'milestone early "as a sign of trust" because he was new, and I did (my mistake). '
        'That was 9 days ago. No delivery, no replies, and his profile now says "available '
        "now\" and he's bidding on other jobs.",
        reported=f"{MARKET}/freelancers/~swiftlogo99",
        context_url=f"{MARKET}/contracts/32233109",
        agent="tomas",
        steps=(
            Move(6, Status.OPEN),
            Note(
                6.3,
                "Early release requested in message 3, classic. No files on the contract. "
                "Payout not withdrawn yet; asked Payments whether it can be recovered.",
            ),
            Reply(
                7,
                "Hi Jordan,\n\nThank you for reporting this. We're reviewing the contract and "
                "the messages. Because you released the milestone yourself, it isn't "
                "automatically refundable, but we're checking what options there are and will "
                "update you here. For future contracts, we recommend releasing milestones only "
                "once the work is delivered.",
            ),
        ),
    ),
    DemoTicket(
        8,
        "amara",
        "feedback-manipulation",
        "Client offered a $50 bonus if I leave them 5 stars first",
        'The client offered a "$50 bonus" if I leave them 5 stars before they release the '
        'final milestone, and asked me to write that they "always pay on time". They still '
        "haven't paid milestone 2 ($400), which is 3 weeks late.",
        reported="clientfirst_marketing",
        context_url=f"{MARKET}/contracts/31766502",
        agent="priya",
        steps=(
            Move(15, Status.OPEN),
            Note(
                15.2,
                "Bonus for feedback, FM-1. Milestone 2 is 21 days overdue, flagged to "
                "Payments too. Waiting on Payments before saying anything about the "
                "milestone.",
            ),
            Reply(
                16,
                "Hi Amara,\n\nThanks for the report. Feedback should reflect your real "
                "experience, so please don't accept a payment in exchange for it. We're "
                "reviewing the contract and the messages, including the overdue milestone, and "
                "will update you here.",
            ),
        ),
    ),
    DemoTicket(
        1,
        "jordan",
        "member-profile",
        "Profile picture is an offensive meme",
        "The profile picture is a cartoon with a racist caption. I'd rather not describe it "
        'more than that. It came up in my search results for "bookkeeping".',
        reported=f"{MARKET}/freelancers/~hireme.now.cheap",
        agent="admin",
        priority=Priority.HIGH,
        steps=(
            Move(3, Status.OPEN),
            Note(
                3.1,
                "Image confirmed: hate symbol and slur. Photo removed. Asked the policy lead "
                "about account-level action, given an earlier profile removal.",
            ),
            Reply(
                3.3,
                "Hi Jordan,\n\nThank you for reporting this. Content like that isn't allowed "
                "anywhere on the marketplace, and we're reviewing the profile under our Code "
                "of Conduct.",
            ),
        ),
    ),
    DemoTicket(
        5.8,
        "mei",
        "job-posting",
        "Job asks for fake Amazon reviews written in Chinese",
        'Job title "Chinese copywriting, long term". The description says: "write 20 '
        "product reviews per day as real customers, must sound natural, different writing "
        "styles, we provide accounts\". That's fake reviews, which I'm pretty sure is illegal "
        "in some countries and against your rules.",
        reported=f"{MARKET}/clients/~globalvoice_media",
        context_url=f"{MARKET}/jobs/~01b8d0f2a4c6e719",
        agent="tomas",
        priority=Priority.LOW,
        steps=(
            Move(10, Status.OPEN),
            Note(
                10.1,
                "Fake review writing (prohibited list item 7). Checking the client's other 5 "
                "postings before acting on the account.",
            ),
            Reply(
                10.5,
                "Hi Mei,\n\nThank you for the report. Postings for fake reviews aren't "
                "allowed. We're reviewing the posting and will handle it under our rules.",
            ),
        ),
    ),
    DemoTicket(
        2.7,
        "lukas",
        "fake-identity",
        "Freelancer's GitHub and LinkedIn belong to a different person",
        "The profile links to a GitHub account with 8 years of contributions and a LinkedIn "
        "for a senior engineer at a bank in Zurich. I messaged that person on LinkedIn to ask "
        "for a reference, and he says he has never had an account on your marketplace and "
        "that someone has used his name before.\n\nI haven't hired the freelancer, we're at "
        "interview stage.",
        reported="nikolai.dev.senior",
        context_url=f"{MARKET}/jobs/~01d9f1b3c5e7a082",
        agent="admin",
        steps=(
            Move(4, Status.OPEN),
            Note(
                4.3,
                "The real person confirms on LinkedIn he has no account. Freelancer account 2 "
                "months old, ID check pending. Requested ID re-verification.",
            ),
            Reply(
                4.6,
                "Hi Lukas,\n\nThank you for checking this and reporting it before hiring. "
                "We're reviewing the profile under our identity policy. We recommend not "
                "sharing project files or access with this freelancer while we look into it. "
                "We can't share details about another member's account.",
            ),
        ),
    ),
    DemoTicket(
        4,
        "amara",
        "fraud",
        "Client used my illustrations after cancelling the contract",
        "I made 6 spot illustrations for this client's web shop ($540). They cancelled the "
        'contract the day before the deadline saying "style not what we wanted" and the '
        "funds went back to them. This morning I saw 4 of the 6 illustrations on their shop's "
        "About page. I never sent final files, so they must have used the watermarked "
        "previews and removed the watermark.",
        reported=f"{MARKET}/clients/~nordic_tasks",
        context_url=f"{MARKET}/contracts/31402288",
        agent="priya",
        steps=(
            Move(8, Status.OPEN),
            Reply(
                8.5,
                "Hi Amara,\n\nI'm sorry this happened. Could you add links to the pages where "
                "the illustrations appear, and tell us which workroom message had the "
                "previews? We'll compare them.",
            ),
            Move(8.6, Status.PENDING),
            Followup(
                13,
                "Pages: https://www.nordictasks-shop.example/about and /about/team. The "
                "previews were in my workroom message on the 2nd, preview_set_A.png and "
                "preview_set_B.png.",
            ),
            Note(
                14,
                "Second work-theft report on this client (see the translation case, on hold "
                "with Payments). Previews vs live site: 4 of 6 match, watermark cloned out. "
                "Forwarding to Payments as part of the same client review.",
            ),
        ),
    ),
    DemoTicket(
        0.7,
        "mei",
        "fraud",
        "Someone is messaging me pretending to be marketplace support",
        'Got a message in my inbox here from an account called "Marketplace Support Team" '
        'with your logo. It says my payout is blocked and I need to "verify" with a '
        "Telegram account, @mkt_support_desk. Is this you?",
        reported="mkt_support_team",
        agent="priya",
        priority=Priority.URGENT,
        steps=(
            Move(0.5, Status.OPEN),
            Reply(
                0.8,
                "Hi Mei,\n\nThank you for checking with us: that message is not from us. Our "
                "support team never contacts you through Telegram or asks you to verify your "
                "account outside the marketplace. Please don't click the link or reply to the "
                "message. We're reviewing the account that sent it.",
            ),
            Note(
                1,
                "Staff impersonation. Account locked. 63 freelancers messaged in 2 days; "
                "asked Comms for a bulk warning notice.",
            ),
        ),
    ),
    DemoTicket(
        1.6,
        "jordan",
        "off-platform-payment",
        "Freelancer put his email and Venmo in his proposal",
        'Proposal on my video editing job ends with "email me at leo.edits (at) mail.example '
        'and pay via Venmo, I give 20% off outside here".',
        reported="leo_video_edits",
        context_url=f"{MARKET}/proposals/~021e5b7d9f13a0c4",
        agent="tomas",
        steps=(
            Move(22, Status.OPEN),
            Note(
                22.2,
                "Proposal text confirmed. Checking whether the same footer is on his other "
                "proposals; it looks like a template.",
            ),
        ),
    ),
]

# ---------------------------------------------------------------------------------------------
# New: nobody has touched them yet.
# ---------------------------------------------------------------------------------------------
NEW = [
    DemoTicket(
        0.8,
        "jordan",
        "fraud",
        "The freelancer from my earlier report is back with a new account",
        "The same person I reported last week for the fake payment page messaged me today "
        'from a new account, "qp_develop". Same photo, same way of writing, and again a link '
        'to "finish the verification", this time marketplace-securepay.net instead of .com. '
        "I didn't click it. I'm putting his old username because that's who it is.",
        reported="QuickPay_Dev",
    ),
    DemoTicket(
        1.5,
        "mei",
        "off-platform-payment",
        "Client asked me to continue the interview on Telegram",
        'A different job from this client ("Mandarin voice-over, $30/h"). Their recruiter '
        "says all interviews happen on Telegram and sent me a handle, @brightlabs_talent. I "
        "didn't contact them.",
        reported="brightlabs_hr",
        context_url=f"{MARKET}/jobs/~01c2e4a6f8b0d935",
        steps=(
            Followup(
                3,
                "Adding: the recruiter just sent the same Telegram handle again, plus a "
                "message saying the job closes in 1 hour.",
            ),
        ),
    ),
    DemoTicket(
        0.4,
        "jordan",
        "member-profile",
        "Profile claims 'ex-Pentagram, Adobe Certified'. I don't think that's true",
        "This designer's overview says \"10 years at Pentagram London, Adobe Certified "
        "Expert, clients include Nike and Airbnb\". Pentagram's site doesn't list her, and "
        "none of the portfolio pieces are for those brands. Just want it checked before other "
        "clients fall for it.",
        reported="designpro.maria",
    ),
    DemoTicket(
        0.2,
        "amara",
        "harassment",
        "Competing freelancer messaging me insults after I won a job",
        "I won a job that this freelancer also bid on. Since then he sends me messages like "
        '"enjoy it while it lasts, clients will see you\'re a fraud" and "I\'ve reported your '
        "profile 10 times lol\". Annoying more than scary, but it's every day now.",
        reported=f"{MARKET}/freelancers/~visualking_",
    ),
    DemoTicket(
        1.1,
        "lukas",
        "other",
        "Not sure which category: 30 hours billed for what looks like AI output",
        "Hourly contract, 30 hours billed this week for writing API documentation. The docs "
        "read like chatbot output and describe endpoints we don't have. The work diary "
        "screenshots show the same browser tab for hours at a time.\n\nI'm not sure if this "
        "is a Code of Conduct thing or a dispute thing, so I'm starting here.",
        context_url=f"{MARKET}/contracts/32300417",
    ),
    DemoTicket(
        2,
        "mei",
        "intellectual-property",
        "My translation samples are back on this profile",
        "I reported this profile a few weeks ago for using my translation samples. Today "
        'they are back, renamed "Hospitality localisation" and "Medical consent form '
        '(sample)". Same text, same double full stop.',
        reported="linguaexpress_pro",
    ),
    DemoTicket(
        0.1,
        "jordan",
        "job-posting",
        "Job posting is just an ad for a paid course",
        'The posting "Remote data entry - $35/h, no experience" leads to a page where you '
        'have to buy a $97 "certification" before you can apply. That\'s not a job.',
        context_url=f"{MARKET}/jobs/~01c4e6a8f0b2d491",
    ),
    DemoTicket(
        0.6,
        "amara",
        "feedback-manipulation",
        "Client left 1 star after I refused the 'bonus for a review' offer",
        "Following up on my report from last week: I didn't accept their offer and milestone 2 "
        "was finally paid, but right after that they left me 1 star with the comment "
        "\"unprofessional, demanded payment\". I'd like the feedback reviewed, because it's "
        "retaliation.",
        reported=f"{MARKET}/clients/~clientfirst_marketing",
        context_url=f"{MARKET}/contracts/31766502",
    ),
]

DEMO_TICKETS: list[DemoTicket] = CLOSED + SOLVED + ON_HOLD + PENDING + OPEN + NEW
