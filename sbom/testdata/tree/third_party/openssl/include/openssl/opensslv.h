/*
 * Copyright 1999-2021 The OpenSSL Project Authors. All Rights Reserved.
 *
 * Licensed under the OpenSSL license (the "License").
 */

#ifndef HEADER_OPENSSLV_H
# define HEADER_OPENSSLV_H

#ifdef  __cplusplus
extern "C" {
#endif

# define OPENSSL_VERSION_NUMBER  0x101010bfL
# define OPENSSL_VERSION_TEXT    "OpenSSL 1.1.1k  25 Mar 2021"

# define SHLIB_VERSION_HISTORY ""
# define SHLIB_VERSION_NUMBER "1.1"

#ifdef  __cplusplus
}
#endif
#endif                          /* HEADER_OPENSSLV_H */
