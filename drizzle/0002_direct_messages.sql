CREATE TABLE `direct_messages` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`sender_id` bigint unsigned NOT NULL,
	`recipient_id` bigint unsigned NOT NULL,
	`body` text NOT NULL,
	`client_id` varchar(64) NOT NULL,
	`created_at` datetime(3) NOT NULL,
	CONSTRAINT `direct_messages_id` PRIMARY KEY(`id`),
	CONSTRAINT `direct_messages_sender_client_unique` UNIQUE(`sender_id`,`client_id`)
);
--> statement-breakpoint
CREATE TABLE `dm_conversations` (
	`user_id` bigint unsigned NOT NULL,
	`other_id` bigint unsigned NOT NULL,
	`last_message_id` bigint unsigned NOT NULL,
	`last_read_id` bigint unsigned NOT NULL DEFAULT 0,
	CONSTRAINT `dm_conversations_user_id_other_id_pk` PRIMARY KEY(`user_id`,`other_id`)
);
--> statement-breakpoint
CREATE TABLE `user_blocks` (
	`blocker_id` bigint unsigned NOT NULL,
	`blocked_id` bigint unsigned NOT NULL,
	`created_at` datetime(3) NOT NULL,
	CONSTRAINT `user_blocks_blocker_id_blocked_id_pk` PRIMARY KEY(`blocker_id`,`blocked_id`)
);
--> statement-breakpoint
ALTER TABLE `direct_messages` ADD CONSTRAINT `direct_messages_sender_id_users_id_fk` FOREIGN KEY (`sender_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `direct_messages` ADD CONSTRAINT `direct_messages_recipient_id_users_id_fk` FOREIGN KEY (`recipient_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `dm_conversations` ADD CONSTRAINT `dm_conversations_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `dm_conversations` ADD CONSTRAINT `dm_conversations_other_id_users_id_fk` FOREIGN KEY (`other_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `user_blocks` ADD CONSTRAINT `user_blocks_blocker_id_users_id_fk` FOREIGN KEY (`blocker_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `user_blocks` ADD CONSTRAINT `user_blocks_blocked_id_users_id_fk` FOREIGN KEY (`blocked_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `direct_messages_pair_id_idx` ON `direct_messages` (`sender_id`,`recipient_id`,`id`);--> statement-breakpoint
CREATE INDEX `dm_conversations_user_last_idx` ON `dm_conversations` (`user_id`,`last_message_id`);