/* The fixed set of events behind the golden files in tests/export/golden/. */
#ifndef OSPY_TESTS_EXPORT_GOLDEN_EVENTS_H
#define OSPY_TESTS_EXPORT_GOLDEN_EVENTS_H

#include "export/export_event.h"

#define GOLDEN_NEVENTS 5
extern const ospy_xevent golden_events[GOLDEN_NEVENTS];

#endif
