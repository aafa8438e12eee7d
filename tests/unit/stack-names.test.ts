/**
 * Physical names unique to the stack (components/stack-names.ts), under the mock runtime's stack "test".
 */
import { installMocks } from "../support/mocks";
import { stackLabel, stackLogGroupName, stackScoped } from "../../components/stack-names";

installMocks();

describe("stack names", () => {
    it("take the stack's name as one DNS label", () => {
        expect([stackLabel(), stackLabel("Prod_EU.v2")]).toEqual(["test", "prod-eu-v2"]);
    });

    it("prefix names with it, and put log groups under /dle/<stack>/", () => {
        expect([stackScoped("dle-monitoring-pipeline"), stackLogGroupName("dle-webapp")]).toEqual(["test-dle-monitoring-pipeline", "/dle/test/dle-webapp"]);
    });
});
