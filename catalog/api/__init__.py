"""The menu in the JSON API: `GET /api/v1/stores/{id}/menu`, read with a storefront key or a user's token."""
