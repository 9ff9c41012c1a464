// Command workload is the scenarios' HTTP workload and in-cluster client.
//
//	workload serve            answer GET / with the pod's and node's names (JSON)
//	workload get URL          print one response body; exit 1 on any failure
//	workload resolve NAME     print the addresses NAME resolves to; exit 1 if none
//	workload webhook          serve a validating admission webhook over TLS (see webhook.go)
//
// One small static binary serves both roles so the cluster needs one image.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

type answer struct {
	Pod       string `json:"pod"`
	Node      string `json:"node"`
	PodIP     string `json:"podIP"`
	Namespace string `json:"namespace"`
	Served    int64  `json:"servedUnixNano"`
}

func serve() error {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok\n")
	})
	pod := os.Getenv("POD_NAME")
	if pod == "" {
		pod, _ = os.Hostname() // a pod's hostname is its name
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(answer{
			Pod:       pod,
			Node:      os.Getenv("NODE_NAME"),
			PodIP:     os.Getenv("POD_IP"),
			Namespace: os.Getenv("POD_NAMESPACE"),
			Served:    time.Now().UnixNano(),
		})
	})
	server := &http.Server{Addr: ":" + port, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	return serveUntilSignal(server, server.ListenAndServe)
}

// serveUntilSignal runs listen until it fails or SIGINT/SIGTERM arrives, then shuts the server down gracefully.
func serveUntilSignal(server *http.Server, listen func() error) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = server.Shutdown(shutdown)
	}()
	if err := listen(); err != nil && err != http.ErrServerClosed {
		return err
	}
	return nil
}

func get(url string) error {
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %d: %s", url, resp.StatusCode, body)
	}
	_, err = os.Stdout.Write(body)
	return err
}

func resolve(name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupHost(ctx, name)
	if err != nil {
		return err
	}
	for _, addr := range addrs {
		fmt.Println(addr)
	}
	return nil
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: workload serve | get URL | resolve NAME | webhook")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve()
	case "get":
		if len(os.Args) != 3 {
			err = fmt.Errorf("usage: workload get URL")
		} else {
			err = get(os.Args[2])
		}
	case "webhook":
		err = webhook()
	case "resolve":
		if len(os.Args) != 3 {
			err = fmt.Errorf("usage: workload resolve NAME")
		} else {
			err = resolve(os.Args[2])
		}
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "workload:", err)
		os.Exit(1)
	}
}
