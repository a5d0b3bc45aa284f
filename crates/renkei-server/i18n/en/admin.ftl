# Administration pages (editing organisations, users and communities; the overview)
