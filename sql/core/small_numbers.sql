-- core.small_numbers: one row: whether this run's release suppresses small numbers (meta.publication_settings small_numbers = suppress: a row on few records is published without its numbers), read by every mart that suppresses and by their contracts' checks; no setting is the default, flag
select coalesce(bool_or(value = 'suppress') filter (where key = 'small_numbers'), false)
    as suppress
from ref.publication_settings
