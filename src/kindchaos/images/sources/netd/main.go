// Command netd is kindchaos's pod network agent for kind nodes.
//
// kind's own agent, kindnetd, is not published on the Go module proxy, so the
// air-gapped build cannot fetch it. netd does the part of its job a kind
// cluster needs: it writes the node's CNI config (ptp + host-local on the
// node's podCIDR), routes every other node's podCIDR via that node's
// InternalIP, and masquerades pod traffic that leaves the pod network.
// It does not implement NetworkPolicy.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
)

const (
	cniConfigPath = "/etc/cni/net.d/10-kindchaos.conflist"
	masqChain     = "KINDCHAOS-MASQ"
)

type agent struct {
	nodeName  string
	podSubnet string
	routes    map[string]string // podCIDR -> via
}

func restConfig() (*rest.Config, error) {
	config, err := rest.InClusterConfig()
	if err != nil {
		return nil, err
	}
	// The Service VIP needs kube-proxy, which may not run yet: talk to the
	// control plane endpoint kind passes in, when there is one.
	if endpoint := os.Getenv("CONTROL_PLANE_ENDPOINT"); endpoint != "" {
		config.Host = "https://" + endpoint
	}
	return config, nil
}

func run(name string, args ...string) error {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func internalIP(node *corev1.Node) string {
	for _, addr := range node.Status.Addresses {
		if addr.Type == corev1.NodeInternalIP && net.ParseIP(addr.Address).To4() != nil {
			return addr.Address
		}
	}
	return ""
}

func (a *agent) writeCNIConfig(podCIDR string) error {
	config := map[string]any{
		"cniVersion": "0.4.0",
		"name":       "kindchaos",
		"plugins": []any{
			map[string]any{
				"type":   "ptp",
				"ipMasq": false,
				"mtu":    1500,
				"ipam": map[string]any{
					"type":    "host-local",
					"dataDir": "/run/cni-ipam-state",
					"routes":  []any{map[string]any{"dst": "0.0.0.0/0"}},
					"ranges":  []any{[]any{map[string]any{"subnet": podCIDR}}},
				},
			},
			map[string]any{"type": "portmap", "capabilities": map[string]any{"portMappings": true}},
		},
	}
	data, err := json.MarshalIndent(config, "", "  ")
	if err != nil {
		return err
	}
	if old, err := os.ReadFile(cniConfigPath); err == nil && string(old) == string(data) {
		return nil
	}
	tmp := filepath.Join(filepath.Dir(cniConfigPath), ".10-kindchaos.tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	log.Printf("writing CNI config for podCIDR %s", podCIDR)
	return os.Rename(tmp, cniConfigPath)
}

func (a *agent) ensureMasquerade() error {
	if a.podSubnet == "" {
		return nil
	}
	_ = run("iptables", "-t", "nat", "-N", masqChain) // exists already after a restart
	rules := [][]string{
		{masqChain, "-d", a.podSubnet, "-j", "RETURN"},
		{masqChain, "-m", "addrtype", "--dst-type", "LOCAL", "-j", "RETURN"},
		{masqChain, "-j", "MASQUERADE"},
		{"POSTROUTING", "-s", a.podSubnet, "-j", masqChain},
	}
	for _, rule := range rules {
		check := append([]string{"-t", "nat", "-C"}, rule...)
		if run("iptables", check...) == nil {
			continue
		}
		add := append([]string{"-t", "nat", "-A"}, rule...)
		if err := run("iptables", add...); err != nil {
			return err
		}
	}
	return nil
}

func (a *agent) sync(nodes []*corev1.Node) {
	for _, node := range nodes {
		cidr, via := node.Spec.PodCIDR, internalIP(node)
		if cidr == "" {
			continue
		}
		if node.Name == a.nodeName {
			if err := a.writeCNIConfig(cidr); err != nil {
				log.Printf("failed to write CNI config: %v", err)
			}
			continue
		}
		if via == "" || a.routes[cidr] == via {
			continue
		}
		if err := run("ip", "route", "replace", cidr, "via", via); err != nil {
			log.Printf("failed to route %s via %s: %v", cidr, via, err)
			continue
		}
		log.Printf("routing %s via %s (node %s)", cidr, via, node.Name)
		a.routes[cidr] = via
	}
}

func main() {
	a := &agent{nodeName: os.Getenv("NODE_NAME"), podSubnet: os.Getenv("POD_SUBNET"), routes: map[string]string{}}
	if a.nodeName == "" {
		log.Fatal("NODE_NAME is not set")
	}
	config, err := restConfig()
	if err != nil {
		log.Fatalf("failed to load in-cluster config: %v", err)
	}
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		log.Fatalf("failed to create client: %v", err)
	}
	if err := a.ensureMasquerade(); err != nil {
		log.Fatalf("failed to set up masquerading: %v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	factory := informers.NewSharedInformerFactory(client, 10*time.Minute)
	lister := factory.Core().V1().Nodes().Lister()
	changed := make(chan struct{}, 1)
	notify := func(any) {
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	_, _ = factory.Core().V1().Nodes().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    notify,
		UpdateFunc: func(_, obj any) { notify(obj) },
		DeleteFunc: notify,
	})
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	log.Printf("netd running on node %s, pod subnet %s", a.nodeName, a.podSubnet)
	resync := time.NewTicker(30 * time.Second) // re-apply routes lost to a node restart
	defer resync.Stop()
	for {
		nodes, err := lister.List(labels.Everything())
		if err != nil {
			log.Printf("failed to list nodes: %v", err)
		} else {
			a.sync(nodes)
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		case <-resync.C:
			a.routes = map[string]string{}
			if err := a.ensureMasquerade(); err != nil {
				log.Printf("failed to re-apply masquerading: %v", err)
			}
		}
	}
}
