package main

import "testing"

func TestReviewAllowsUnlessTheDenyLabelIsSet(t *testing.T) {
	in := admissionReview{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview", Request: &admissionRequest{UID: "u1"}}
	out := review(in)
	if !out.Response.Allowed || out.Response.UID != "u1" || out.APIVersion != in.APIVersion {
		t.Fatalf("an unlabelled object: %+v", out.Response)
	}
	in.Request.Object.Metadata.Labels = map[string]string{denyLabel: "true"}
	out = review(in)
	if out.Response.Allowed || out.Response.Status == nil || out.Response.Status.Code != 403 {
		t.Fatalf("a labelled object: %+v", out.Response)
	}
}
