/* /proc of a process whose main thread has ended (see proc_task.h). */
#include "os/linux/proc_task.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char ospy_proc_stat_state(const char *path)
{
  char buf[512];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0)
    return 0;
  buf[n] = 0;
  const char *end = strrchr(buf, ')'); /* after the name, which may hold anything */
  return end && end[1] == ' ' ? end[2] : 0;
}

bool ospy_proc_kernel_thread(pid_t pid)
{
  char path[48], buf[512];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0)
    return false;
  buf[n] = 0;
  const char *end = strrchr(buf, ')'); /* after the name, which may hold anything */
  unsigned long flags = 0;
  /* state ppid pgrp session tty_nr tpgid flags */
  return end && sscanf(end + 1, " %*c %*d %*d %*d %*d %*d %lu", &flags) == 1 &&
         (flags & 0x00200000ul) != 0; /* PF_KTHREAD */
}

/* The state letter of /proc/ID/stat, 0 when unreadable. */
static char task_state(pid_t id)
{
  char path[48];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)id);
  return ospy_proc_stat_state(path);
}

bool ospy_proc_task_ended(pid_t id)
{
  char s = task_state(id);
  return s == 0 || s == 'Z' || s == 'X';
}

pid_t ospy_proc_live_task(pid_t pid)
{
  if (!ospy_proc_task_ended(pid))
    return pid;
  char dir[48];
  snprintf(dir, sizeof dir, "/proc/%d/task", (int)pid);
  DIR *d = opendir(dir);
  pid_t live = 0;
  for (struct dirent *e; d && !live && (e = readdir(d));) {
    char *end;
    long tid = strtol(e->d_name, &end, 10);
    if (!*end && tid > 0 && tid != pid && !ospy_proc_task_ended((pid_t)tid))
      live = (pid_t)tid;
  }
  if (d)
    closedir(d);
  return live ? live : pid;
}
