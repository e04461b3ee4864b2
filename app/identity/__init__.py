"""Who a WeChat caller is: users and their WeChat identities, user tokens, technician and account bindings."""
