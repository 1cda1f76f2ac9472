"""From the mailbox to the workflow: fetching, parsing, routing and acting on each message.

Subpackages: `mailbox` (IMAP, the poll, per-message intake, reconcile, replay), `mail` (raw bytes
to `InboundMail`, reply text), `routing` (the classification rules and the dispatcher), `actions`
(registering a complaint, handling a reply).
"""
