/* A socket address as the structure oSpy's loader reads.
 *
 * ospy keeps a socket address as its bytes (a ByteArray with subType
 * "sockaddr", what JSON Lines writes). oSpy's connect parser
 * (oSpy.SharpDumpLib/Socket/ConnectEvent.cs) reads the address as a
 * structure, the way its agent's Ipv4Sockaddr was written:
 * field[@name='sin_family']/value/@value whatever the family, and for
 * AF_INET sin_addr (IPAddress.Parse) and sin_port (Convert.ToInt32); a
 * ByteArray made it reject the file. So the .osd/XML writer writes a
 * socket address as
 *
 *   <value type="Struct" subType="sockaddr_in">
 *     <field name="sin_family"><value type="Enum" subType="AddressFamily" value="AF_INET"/></field>
 *     <field name="sin_port"><value type="UInt16" value="51011"/></field>
 *     <field name="sin_addr"><value type="Ipv4InAddr" value="127.0.0.1"/></field>
 *   </value>
 *
 * AF_INET6 (sockaddr_in6): sin_family, sin6_port, sin6_flowinfo, sin6_addr
 * (text), sin6_scope_id; AF_UNIX (sockaddr_un): sin_family, sun_path (an
 * abstract name with a leading @); any other family (sockaddr): sin_family
 * and the bytes after it as sa_data. Every form has sin_family (the parser
 * reads it first), and AF_INET and AF_INET6 every field of theirs whatever
 * the length: a field the recorded bytes do not wholly reach (connect with
 * an addrlen of 4) is a stand-in, 0, 0.0.0.0 or ::, flagged
 * OSPY_XVALUE_UNRECORDED (unrecorded="true"), as is the AF_UNSPEC of an
 * address of fewer than 2 bytes. */
#ifndef OSPY_EXPORT_OSD_SOCKADDR_H
#define OSPY_EXPORT_OSD_SOCKADDR_H

#include "export/export_event.h"

#define OSPY_SOCKADDR_MAX_FIELDS 5

typedef struct ospy_sockaddr_struct {
  ospy_xvalue v; /* the Struct; its fields point into this object */
  ospy_xvalue fields[OSPY_SOCKADDR_MAX_FIELDS];
  char family[16], port[8], flowinfo[12], scope[12], addr[48];
  char path[256]; /* sun_path; longer garbage is cut */
} ospy_sockaddr_struct;

/* Whether v is a socket address kept as its bytes. */
int ospy_is_sockaddr_bytes(const ospy_xvalue *v);
/* The structure for the socket address v (ospy_is_sockaddr_bytes); its
 * name and extension flags (totalSize, unreadable) are v's. */
void ospy_sockaddr_to_struct(const ospy_xvalue *v, ospy_sockaddr_struct *out);

#endif
