"""The office's side that knows no mail protocol: the pure SOP core, reading complaint text, storage, documents and recaps.

Subpackages: `sop` (the SOP as data and its state machine, pure), `extract` (what a complaint's
text says, pure), `store` (the database and the file store), `documents` (printable PDFs),
`reports` (the monthly recap and the semester report). Foundation modules: `errors`, `clock`,
`tls`, `formatting`. Nothing here imports `ingest`, `notify` or `config`.
"""
