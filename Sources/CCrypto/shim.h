#ifndef SHOPPERD_CCRYPTO_SHIM_H
#define SHOPPERD_CCRYPTO_SHIM_H
#include <openssl/err.h>
#include <openssl/evp.h>
#endif
