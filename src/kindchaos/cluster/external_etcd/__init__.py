"""kubeadm's other HA layout: etcd on machines of its own, outside the Kubernetes nodes.

The members are containers from the project's etcd image on a Docker network the cluster's nodes join, at
fixed addresses, with TLS for clients and peers from certificates made on the host. ``layout`` says where
everything is; ``certificates`` makes and checks the PKI; ``members`` runs the containers; ``etcdctl`` is the
operator's view from the host; ``steps`` brings the whole up before kind runs and takes it down after.
"""
