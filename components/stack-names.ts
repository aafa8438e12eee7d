/**
 * Physical names that AWS requires to be unique in an account and region (log groups, alarms, a dashboard, a task
 * family, a private DNS zone), made unique to the stack: two stacks of dle in one account would otherwise take each
 * other's. Resources AWS can name by itself (ECS services, roles, buckets, domains) are left to Pulumi's auto-naming
 * instead, which also lets a replacement be created before the old one is deleted.
 */
import * as pulumi from "@pulumi/pulumi";
import { dnsLabel } from "./constraints";

/** The stack's name as one DNS label, which a DNS zone, a dashboard name and a task family all take. */
export function stackLabel(stack: string = pulumi.getStack()): string {
    return dnsLabel(stack);
}

/** `<stack>-<name>`: a name (an alarm's, a dashboard's, a task family's) that no other stack of the account uses. */
export function stackScoped(name: string): string {
    return `${stackLabel()}-${name}`;
}

/** The CloudWatch log group of a part of this stack: `/dle/<stack>/<name>`. */
export function stackLogGroupName(name: string): string {
    return `/dle/${stackLabel()}/${name}`;
}
