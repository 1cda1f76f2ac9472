"""The complaint mailbox: the IMAP source (the only imapclient user), the poll cycle, per-message
intake, reconcile and replay.
"""
