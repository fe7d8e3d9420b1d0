"""The organisation's networking: reserved IPs and load balancers.

Both point at instances where Vultr links them (reserved IP targets, load-balancer backends),
and idle reserved IPs still bill.
"""

from __future__ import annotations

from datetime import datetime

from .billing import Charge
from .estate import Estate, cycled_label
from .generation import Generator, iso
from .messages import JsonObject

LOAD_BALANCER_USD_PER_NODE_MONTH = 10
"""vultr-api.md 2.11: $10/month per node (720 h x $0.0149 in Vultr's own example)."""
RESERVED_IP_USD_MONTH = 3
HTTPS_SHARE = 0.7
"""Share of load balancers terminating TLS."""


def build_reserved_ips(
    gen: Generator, estate: Estate, count: int, instances: list[JsonObject]
) -> None:
    """Half attached to instances, half idle (idle reserved IPs still bill)."""
    for number in range(count):
        target = (
            instances[gen.rng.randrange(len(instances))] if instances and number % 2 == 0 else None
        )
        ipv6 = number % 4 == 3
        region = target["region"] if target else gen.rng.choice(("ewr", "fra", "sgp"))
        label = f"{target['label']}-ip" if target else f"spare-{number + 1}"
        created = gen.days_ago(1, 500)
        reserved = {
            "id": gen.uuid(),
            "region": region,
            "ip_type": "v6" if ipv6 else "v4",
            "subnet": gen.ipv6_network() if ipv6 else gen.ipv4(("66.42", "95.179", "104.238")),
            "subnet_size": 64 if ipv6 else 32,
            "label": label,
            "instance_id": target["id"] if target else "",
        }
        estate.reserved_ips.append(reserved)
        estate.charges.append(
            Charge(
                f"Reserved IP {reserved['subnet']} ({label})",
                "Reserved IP",
                RESERVED_IP_USD_MONTH,
                created,
            )
        )


def build_load_balancers(
    gen: Generator, estate: Estate, count: int, instances: list[JsonObject], roles: dict[str, str]
) -> None:
    """Load balancers in front of the web and API fleets, one per (role, region)."""
    targets: dict[tuple[str, str], list[str]] = {}
    for instance in instances:
        role = roles[instance["id"]]
        if role in ("web", "api"):
            targets.setdefault((role, instance["region"]), []).append(instance["id"])
    groups = sorted(targets) or [("web", "ewr")]
    for number in range(count):
        role, region = groups[number % len(groups)]
        label = cycled_label([f"{r}-lb-{g}" for r, g in groups], number)
        nodes = gen.rng.choice((1, 1, 2, 3))
        created = gen.days_ago(1, 650)
        balancer = _load_balancer(
            gen, label, region, nodes, targets.get((role, region), [])[:4], created
        )
        estate.load_balancers.append(balancer)
        estate.charges.append(
            Charge(
                f"Load Balancer ({label})",
                "Load Balancer",
                LOAD_BALANCER_USD_PER_NODE_MONTH * nodes,
                created,
            )
        )


def _load_balancer(
    gen: Generator, label: str, region: str, nodes: int, instance_ids: list[str], created: datetime
) -> JsonObject:
    https = gen.rng.random() < HTTPS_SHARE
    return {
        "id": gen.uuid(),
        "date_created": iso(created),
        "region": region,
        "label": label,
        "status": "active",
        "ipv4": gen.ipv4(("140.82", "208.167")),
        "ipv6": f"{gen.ipv6_network()}1",
        "generic_info": {
            "balancing_algorithm": gen.rng.choice(("roundrobin", "leastconn")),
            "ssl_redirect": https,
            "sticky_sessions": {"cookie_name": ""},
            "proxy_protocol": False,
            "timeout": 600,
            "vpc": "",
        },
        "health_check": {
            "protocol": "http",
            "port": 80,
            "path": "/healthz",
            "check_interval": 15,
            "response_timeout": 5,
            "unhealthy_threshold": 5,
            "healthy_threshold": 5,
        },
        "has_ssl": https,
        "auto_ssl": {"domain_zone": "", "domain_sub": "", "domain": ""},
        "http2": https,
        "http3": False,
        "nodes": nodes,
        "forwarding_rules": [_forwarding_rule(gen, "http", 80)]
        + ([_forwarding_rule(gen, "https", 443)] if https else []),
        "instances": instance_ids,
        "firewall_rules": [
            {"id": gen.hex(32), "port": 443, "ip_type": "v4", "source": "0.0.0.0/0"},
        ],
        "global_regions": [],
    }


def _forwarding_rule(gen: Generator, frontend: str, port: int) -> JsonObject:
    """TLS terminates at the balancer: the backends always speak plain HTTP on port 80."""
    return {
        "id": gen.hex(32),
        "frontend_protocol": frontend,
        "frontend_port": port,
        "backend_protocol": "http",
        "backend_port": 80,
    }
