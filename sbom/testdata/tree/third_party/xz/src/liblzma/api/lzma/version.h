/**
 * \file        lzma/version.h
 * \brief       Version number
 */

#ifndef LZMA_H_INTERNAL
#	error Never include this file directly. Use <lzma.h> instead.
#endif

/** \brief Major version number of the liblzma release. */
#define LZMA_VERSION_MAJOR 5

/** \brief Minor version number of the liblzma release. */
#define LZMA_VERSION_MINOR 6

/** \brief Patch version number of the liblzma release. */
#define LZMA_VERSION_PATCH 0

#define LZMA_VERSION_STABILITY LZMA_VERSION_STABILITY_STABLE
