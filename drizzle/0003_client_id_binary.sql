-- A message's clientId is compared byte for byte: under the table's case-insensitive
-- collation, "L" after "l" was taken for a retry of the first message (and not stored).
-- clientIds are 1-64 of A-Z a-z 0-9 _ -, so ASCII holds every one there is.
ALTER TABLE `direct_messages` MODIFY `client_id` varchar(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL;
