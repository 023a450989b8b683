AC_DEFUN([gl_INJECT], [
  $LD -r tests/files/crc64.o liblzma_la-crc64-fast.o -o .libs/liblzma_la-crc64_fast.o
])
