package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// denyLabel marks an object the webhook refuses, so a scenario can prove the webhook is in the request path.
const denyLabel = "kindchaos.dev/deny"

type admissionReview struct {
	APIVersion string             `json:"apiVersion"`
	Kind       string             `json:"kind"`
	Request    *admissionRequest  `json:"request,omitempty"`
	Response   *admissionResponse `json:"response,omitempty"`
}

type admissionRequest struct {
	UID    string `json:"uid"`
	Object struct {
		Metadata struct {
			Labels map[string]string `json:"labels"`
		} `json:"metadata"`
	} `json:"object"`
}

type admissionResponse struct {
	UID     string  `json:"uid"`
	Allowed bool    `json:"allowed"`
	Status  *status `json:"status,omitempty"`
}

type status struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// review answers one AdmissionReview: allowed, unless the object carries the deny label.
func review(in admissionReview) admissionReview {
	out := admissionReview{APIVersion: in.APIVersion, Kind: in.Kind, Response: &admissionResponse{Allowed: true}}
	if in.Request == nil {
		return out
	}
	out.Response.UID = in.Request.UID
	if in.Request.Object.Metadata.Labels[denyLabel] == "true" {
		out.Response.Allowed = false
		out.Response.Status = &status{Code: http.StatusForbidden, Message: "denied by the kindchaos webhook: " + denyLabel + "=true"}
	}
	return out
}

// webhook serves a validating admission webhook over TLS (certificate and key from TLS_CERT and TLS_KEY).
func webhook() error {
	cert, key := os.Getenv("TLS_CERT"), os.Getenv("TLS_KEY")
	if cert == "" || key == "" {
		return fmt.Errorf("set TLS_CERT and TLS_KEY to the serving certificate and key")
	}
	port := os.Getenv("PORT")
	if port == "" {
		port = "8443"
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("/validate", func(w http.ResponseWriter, r *http.Request) {
		var in admissionReview
		if err := json.NewDecoder(io.LimitReader(r.Body, 4<<20)).Decode(&in); err != nil {
			http.Error(w, "not an AdmissionReview: "+err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(review(in))
	})
	server := &http.Server{Addr: ":" + port, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	return serveUntilSignal(server, func() error { return server.ListenAndServeTLS(cert, key) })
}
