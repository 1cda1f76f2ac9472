"""Alembic environment: the URL comes from the caller (`dumas init`), never from an ini file."""

from alembic import context

from dumas.workflow.store.db import make_engine
from dumas.workflow.store.models import Base

config = context.config


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url")
    if url is None:  # alembic_config() always sets it; only a hand-written alembic.ini could not
        raise RuntimeError("sqlalchemy.url is not set: run the migrations through `dumas init`")
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
