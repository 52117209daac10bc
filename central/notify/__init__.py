"""Hot-lead notifications: routing rules, the durable queue, the senders (SMTP, chat) and the worker."""
