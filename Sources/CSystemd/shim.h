#ifndef SHOPPERD_CSYSTEMD_SHIM_H
#define SHOPPERD_CSYSTEMD_SHIM_H
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#endif
