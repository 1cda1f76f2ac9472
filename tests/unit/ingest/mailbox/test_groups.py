"""A batch is fetched in groups so that memory holds one large message at a time."""

from dumas.ingest.mailbox.poll import GROUP_BYTES, _groups

MB = 1024 * 1024


def test_ordinary_mail_stays_one_group():
    sizes = dict.fromkeys(range(1, 51), 50000)
    assert list(_groups(list(sizes), sizes, 25 * MB)) == [list(sizes)]


def test_a_large_message_is_fetched_alone_in_uid_order():
    sizes = {1: 10_000, 2: 20 * MB, 3: 10_000, 4: 9 * MB, 5: 10_000}
    assert list(_groups([1, 2, 3, 4, 5], sizes, 25 * MB)) == [[1], [2], [3], [4], [5]]


def test_small_messages_fill_a_group_up_to_its_bytes():
    sizes = dict.fromkeys(range(1, 8), GROUP_BYTES // 3)
    assert list(_groups(list(sizes), sizes, 25 * MB)) == [[1, 2, 3], [4, 5, 6], [7]]


def test_over_size_messages_count_as_their_header():
    sizes = {1: 40 * MB, 2: 41 * MB, 3: 10_000}
    assert list(_groups([1, 2, 3], sizes, 25 * MB)) == [[1, 2, 3]]
