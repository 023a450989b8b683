/* A loader that tells file formats by their magic bytes, as file(1),
 * binfmt handlers and shells do: the bytes are compared one at a time, and
 * what happens on a match is driven by the data itself (the interpreter a
 * script names is executed with the script). */
#include <string.h>
#include <unistd.h>

int load_elf(const unsigned char *buf, size_t len);

static int run_script(const char *path, unsigned char *hdr, size_t len)
{
    char interp[256];
    size_t i;
    for (i = 2; i < len && i < sizeof(interp) + 1 && hdr[i] != '\n'; i++)
        interp[i - 2] = (char)hdr[i];
    interp[i - 2] = 0;
    return execl(interp, interp, path, (char *)0);
}

int load(const char *path, unsigned char *hdr, size_t len)
{
    if (len < 4)
        return -1;
    if (hdr[0] == 0x7f && hdr[1] == 'E' && hdr[2] == 'L' && hdr[3] == 'F')
        return load_elf(hdr, len);
    if (hdr[0] == '#' && hdr[1] == '!')
        return run_script(path, hdr, len);
    if (*hdr == 0x89 && *(hdr + 1) == 'P')
        return -2; /* an image, not a program */
    return -1;
}
