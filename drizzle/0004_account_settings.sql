-- Sessions get a public id (what /api/me/sessions shows and DELETE names; never the token's
-- hash), when they were last used and the browser that made them. Sessions that exist already
-- get a public id here, so nobody is signed out by the upgrade. Each ALTER is one statement, so a
-- failure leaves a table either before or after it; the backfill only fills what is empty.
ALTER TABLE `sessions` ADD `public_id` varchar(32) CHARACTER SET ascii COLLATE ascii_bin NULL, ADD `last_used_at` datetime(3), ADD `user_agent` varchar(255);--> statement-breakpoint
UPDATE `sessions` SET `public_id` = LEFT(SHA2(CONCAT(`id`, UUID(), RAND()), 256), 32) WHERE `public_id` IS NULL;--> statement-breakpoint
ALTER TABLE `sessions` MODIFY `public_id` varchar(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL, ADD CONSTRAINT `sessions_public_id_unique` UNIQUE(`public_id`);--> statement-breakpoint
-- A deleted account keeps its row as a tombstone (see docs/api.md, "Deleting an account").
ALTER TABLE `users` ADD `deleted_at` datetime(3);
