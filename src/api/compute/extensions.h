/* extensions.h - the fixed extension table of GET /extensions, generated
 * into extensions_data.c by tools/gen_extensions.py. */
#ifndef CIRRUS_API_COMPUTE_EXTENSIONS_H
#define CIRRUS_API_COMPUTE_EXTENSIONS_H

struct api_extension {
    const char *alias, *name, *namespace_, *updated, *description;
};

extern const struct api_extension api_extensions[];
extern const int api_extension_count;

#endif
