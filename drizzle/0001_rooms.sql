CREATE TABLE `room_messages` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`room_id` bigint unsigned NOT NULL,
	`user_id` bigint unsigned NOT NULL,
	`peer_id` varchar(32) NOT NULL,
	`body` text NOT NULL,
	`created_at` datetime(3) NOT NULL,
	CONSTRAINT `room_messages_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `rooms` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`name` varchar(64) NOT NULL,
	`owner_id` bigint unsigned NOT NULL,
	`password_hash` varchar(255),
	`capacity` tinyint unsigned NOT NULL,
	`created_at` datetime(3) NOT NULL,
	CONSTRAINT `rooms_id` PRIMARY KEY(`id`),
	CONSTRAINT `rooms_name_unique` UNIQUE(`name`)
);
--> statement-breakpoint
ALTER TABLE `room_messages` ADD CONSTRAINT `room_messages_room_id_rooms_id_fk` FOREIGN KEY (`room_id`) REFERENCES `rooms`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `room_messages` ADD CONSTRAINT `room_messages_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `rooms` ADD CONSTRAINT `rooms_owner_id_users_id_fk` FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `room_messages_room_id_id_idx` ON `room_messages` (`room_id`,`id`);--> statement-breakpoint
CREATE INDEX `rooms_created_at_idx` ON `rooms` (`created_at`);