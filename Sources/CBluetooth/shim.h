// libbluetooth (Debian libbluetooth-dev): HCI and L2CAP sockets. Wrapped once, by BlueZ.
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <bluetooth/bluetooth.h>
#include <bluetooth/hci.h>
#include <bluetooth/hci_lib.h>
#include <bluetooth/l2cap.h>

// The ioctl request numbers are function-like macros, which Swift does not import.
static inline int canary_hci_dev_up(int ctl, int dev) { return ioctl(ctl, HCIDEVUP, dev); }
static inline int canary_hci_dev_down(int ctl, int dev) { return ioctl(ctl, HCIDEVDOWN, dev); }
static inline int canary_hci_dev_reset(int ctl, int dev) { return ioctl(ctl, HCIDEVRESET, dev); }
