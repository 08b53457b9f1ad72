package storesql

// ArticleSettingsColumns are article_settings' columns in the order the
// stores scan them.
const ArticleSettingsColumns = `site, article_id, mode, close_after, update_time, updated_by`
