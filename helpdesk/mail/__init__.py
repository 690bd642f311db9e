"""Mail out: the kinds we send (kinds.py), our own addresses (addresses.py), the outbox, the
sender, the admin's view of them and the privacy guard.

Called by the domain, never calling it: a change queues its mail here in its own transaction.
"""
