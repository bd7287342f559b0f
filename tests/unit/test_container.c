// SPDX-License-Identifier: GPL-2.0
/*
 * Container identity from real-world cgroup paths: docker, containerd,
 * CRI-O, podman, lxc and systemd units, cgroupfs and systemd drivers, v1
 * (paths as under /sys/fs/cgroup/<controller>) and v2.  The shapes are the
 * ones these runtimes write (docs/cgroups.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "container.h"

#define ID "3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081"
#define UID "0b5e8c9a-7d2f-4e31-9a6b-12c3d4e5f607"
#define UID_ "0b5e8c9a_7d2f_4e31_9a6b_12c3d4e5f607"

struct shape {
	const char *path;
	int found;
	const char *runtime, *id, *pod_uid, *qos, *unit, *label;
};

static const struct shape shapes[] = {
	/* docker, cgroupfs driver (v1 and v2 look alike) */
	{ "/docker/" ID, 1, "docker", ID, "", "", "", "docker:3f4e5a6b7c8d" },
	/* docker, systemd driver */
	{ "/system.slice/docker-" ID ".scope", 1, "docker", ID, "", "", "",
	  "docker:3f4e5a6b7c8d" },
	/* docker-in-docker / systemd inside the container: innermost id,
	 * the container's own init.scope is not a host unit */
	{ "/system.slice/docker-" ID ".scope/init.scope", 1, "docker", ID, "",
	  "", "", "docker:3f4e5a6b7c8d" },
	/* Kubernetes + containerd, systemd driver (v2 default on kubeadm) */
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	  ".slice/cri-containerd-" ID ".scope", 1, "containerd", ID, UID,
	  "burstable", "", "containerd:3f4e5a6b7c8d" },
	/* Kubernetes guaranteed pod: no QoS slice */
	{ "/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" ID
	  ".scope", 1, "containerd", ID, UID, "guaranteed", "",
	  "containerd:3f4e5a6b7c8d" },
	/* Kubernetes + containerd, cgroupfs driver (v1) */
	{ "/kubepods/besteffort/pod" UID "/" ID, 1, "containerd", ID, UID,
	  "besteffort", "", "containerd:3f4e5a6b7c8d" },
	/* the pod's own cgroup (pause sandbox's parent) */
	{ "/kubepods/burstable/pod" UID, 1, "kubernetes", "", UID, "burstable",
	  "", "pod:0b5e8c9a" },
	/* CRI-O, systemd driver */
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod"
	  UID_ ".slice/crio-" ID ".scope", 1, "cri-o", ID, UID, "besteffort",
	  "", "cri-o:3f4e5a6b7c8d" },
	/* CRI-O, cgroupfs driver */
	{ "/kubepods/pod" UID "/crio-" ID, 1, "cri-o", ID, UID, "guaranteed",
	  "", "cri-o:3f4e5a6b7c8d" },
	/* CRI-O's monitor is not the container */
	{ "/kubepods.slice/kubepods-pod" UID_ ".slice/crio-conmon-" ID
	  ".scope", 1, "kubernetes", "", UID, "guaranteed",
	  "crio-conmon-" ID ".scope", "pod:0b5e8c9a" },
	/* podman, rootful (systemd) */
	{ "/machine.slice/libpod-" ID ".scope", 1, "podman", ID, "", "", "",
	  "podman:3f4e5a6b7c8d" },
	/* podman, rootless (v2, delegated user slice) */
	{ "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID
	  ".scope/container", 1, "podman", ID, "", "", "",
	  "podman:3f4e5a6b7c8d" },
	/* podman, cgroupfs manager */
	{ "/libpod_parent/libpod-" ID, 1, "podman", ID, "", "", "",
	  "podman:3f4e5a6b7c8d" },
	/* containerd without Kubernetes (ctr/nerdctl, namespace "default") */
	{ "/default/" ID, 1, "containerd", ID, "", "", "",
	  "containerd:3f4e5a6b7c8d" },
	{ "/system.slice/nerdctl-" ID ".scope", 1, "containerd", ID, "", "",
	  "", "containerd:3f4e5a6b7c8d" },
	/* lxc (v1) and lxc 4+ on v2 */
	{ "/lxc/web1", 1, "lxc", "web1", "", "", "", "lxc:web1" },
	{ "/lxc.payload.web1/system.slice/nginx.service", 1, "lxc", "web1", "",
	  "", "", "lxc:web1" },
	/* plain systemd units */
	{ "/system.slice/nginx.service", 0, "systemd", "", "", "",
	  "nginx.service", "nginx.service" },
	{ "/user.slice/user-1000.slice/session-3.scope", 0, "systemd", "", "",
	  "", "session-3.scope", "session-3.scope" },
	{ "/system.slice/system-getty.slice/getty@tty1.service", 0, "systemd",
	  "", "", "", "getty@tty1.service", "getty@tty1.service" },
	/* nothing to recognise */
	{ "/", 0, "", "", "", "", "", "/" },
	{ "/process_api/f87a6db3e645d44081ac93c7fb9ab3a5", 0, "", "", "", "",
	  "", "/process_api/f87a6db3e645d44081ac93c7fb9ab3a5" },
	/* a 63-digit id is not an id, a slice is not a unit */
	{ "/docker/" "3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708",
	  0, "", "", "", "", "", NULL },
	{ "/system.slice", 0, "", "", "", "", "", "/system.slice" },
};

static void test_shapes(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		const struct shape *sh = &shapes[i];
		struct pt_container c;
		char label[256];

		print_message("%s\n", sh->path);
		assert_int_equal(pt_container_parse(sh->path, &c), sh->found);
		assert_string_equal(c.runtime, sh->runtime);
		assert_string_equal(c.id, sh->id);
		assert_string_equal(c.pod_uid, sh->pod_uid);
		assert_string_equal(c.qos, sh->qos);
		assert_string_equal(c.unit, sh->unit);
		pt_container_label(&c, sh->path, label, sizeof(label));
		assert_string_equal(label, sh->label ? sh->label : sh->path);
	}
}

/* Names from the node's files take over the label when present. */
static void test_label_names(void **state)
{
	struct pt_container c;
	char label[256];

	(void)state;
	pt_container_parse("/kubepods/burstable/pod" UID "/" ID, &c);
	strcpy(c.pod, "payments-7d9f");
	strcpy(c.ns, "shop");
	strcpy(c.name, "api");
	pt_container_label(&c, "", label, sizeof(label));
	assert_string_equal(label, "k8s:shop/payments-7d9f/api");
	c.name[0] = '\0';
	pt_container_label(&c, "", label, sizeof(label));
	assert_string_equal(label, "k8s:shop/payments-7d9f");
	pt_container_parse("/docker/" ID, &c);
	strcpy(c.name, "redis");
	pt_container_label(&c, "", label, sizeof(label));
	assert_string_equal(label, "docker:redis");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_label_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
