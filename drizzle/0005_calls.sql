-- Calls from a conversation: direct messages get a kind (text, call, invite) and its JSON, and rooms a
-- guest, which makes a room a call's private two-person room. Existing messages become `text`.
ALTER TABLE `direct_messages` ADD `kind` varchar(16) DEFAULT 'text' NOT NULL;--> statement-breakpoint
ALTER TABLE `direct_messages` ADD `payload` varchar(512);--> statement-breakpoint
ALTER TABLE `rooms` ADD `guest_id` bigint unsigned;--> statement-breakpoint
ALTER TABLE `rooms` ADD CONSTRAINT `rooms_guest_id_users_id_fk` FOREIGN KEY (`guest_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;