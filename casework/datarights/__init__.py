"""The complainant's own AVG rights against Klachtpunt (not the dpo service's: that is casework.privacy).

The privacy notice (art. 13) linked from every intake form; in Mijn klachten
and on the follow page a download of everything held about them (art. 15
and 20: JSON and PDF, attachments included), an erasure request (art. 17)
that erases what no legal duty keeps and says, item by item, what is kept
and until when (``rules``), and account deletion. Every step is logged in
the access log and recorded as a ``DataRightsRecord`` in the dossier's schema.
"""
