-- The line of the uploaded CSV file each item of a console batch came from (the header is line 1;
-- blank lines are skipped, so lines and submission order part ways): the batch page names its bad
-- lines as the maker's file does. Written in the transaction that creates the batch; a batch
-- initiated through the API has no row. Frozen: later changes go in new numbered files.
create table batch_source_lines (
  batch_id uuid primary key references batches(id),
  -- lines[seq + 1] is the file line of the item with that seq.
  lines    integer[] not null check (cardinality(lines) >= 1)
);
