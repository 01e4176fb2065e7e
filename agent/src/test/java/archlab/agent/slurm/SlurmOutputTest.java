package archlab.agent.slurm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the Slurm commands print, as captured from Slurm 22.05 (Debian's slurm-wlm), read without a cluster. */
class SlurmOutputTest {
    @Test
    void sbatchParsableGivesTheJobId() {
        assertThat(SlurmOutput.jobId("1234\n")).isEqualTo("1234");
        assertThat(SlurmOutput.jobId("77;cluster-a\n")).isEqualTo("77");
        assertThat(SlurmOutput.jobId("sbatch: warning: can't honor --ntasks-per-node\n981\n")).isEqualTo("981");
        assertThatThrownBy(() -> SlurmOutput.jobId("sbatch: error: invalid partition specified: gpu"))
                .isInstanceOf(SlurmException.class).hasMessageContaining("not a job id");
    }

    @Test
    void squeueLinesByJobId() {
        Map<String, JobState> s = SlurmOutput.squeue("""
                1|COMPLETED|None|localhost
                2|RUNNING|None|localhost
                3|PENDING|Resources|
                garbage line
                """);
        assertThat(s).containsOnlyKeys("1", "2", "3");
        assertThat(s.get("2").active()).isTrue();
        assertThat(s.get("3").active()).isTrue();
        assertThat(s.get("3").reason()).isEqualTo("Resources");
        assertThat(s.get("1").ended()).isTrue();
        assertThat(SlurmOutput.squeue("")).isEmpty();
    }

    @Test
    void scontrolShowJobOneLine() {
        String line = "JobId=2 JobName=t2 UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901758 Nice=0"
                + " Account=(null) QOS=(null) JobState=CANCELLED Reason=None Dependency=(null) Requeue=1 Restarts=0"
                + " BatchFlag=1 Reboot=0 ExitCode=0:15 RunTime=00:00:02 TimeLimit=UNLIMITED TimeMin=N/A"
                + " SubmitTime=2026-11-29T06:51:21 Partition=debug AllocNode:Sid=localhost:24431 ReqNodeList=(null)"
                + " ExcNodeList=(null) NodeList=localhost BatchHost=localhost NumNodes=1 NumCPUs=1 WorkDir=/tmp"
                + " StdErr=/tmp/t2.out StdIn=/dev/null StdOut=/tmp/t2.out Power=\n";
        JobState s = SlurmOutput.scontrol("2", line).orElseThrow();
        assertThat(s.state()).isEqualTo("CANCELLED");
        assertThat(s.exitCode()).isEqualTo("0:15");
        assertThat(s.nodes()).isEqualTo("localhost");
        assertThat(s.describe()).isEqualTo("job 2 CANCELLED (exit 0:15) on localhost");
        assertThat(SlurmOutput.scontrol("3", line)).as("another job's line").isEmpty();
        assertThat(SlurmOutput.scontrol("9", "slurm_load_jobs error: Invalid job id specified")).isEmpty();
    }

    @Test
    void sacctTakesTheNewestRunOfTheJob() {
        String out = """
                41|PREEMPTED|None|0:0|node3
                41|TIMEOUT|None|0:0|node5
                """;
        JobState s = SlurmOutput.sacct("41", out).orElseThrow();
        assertThat(s.state()).isEqualTo("TIMEOUT");
        assertThat(s.nodes()).isEqualTo("node5");
        assertThat(SlurmOutput.sacct("42", "42|CANCELLED by 1000|None|0:15|node1\n").orElseThrow().state())
                .isEqualTo("CANCELLED");
        assertThat(SlurmOutput.sacct("43", "")).isEmpty();
    }

    @Test
    void statesThatMayStillRunAreActive() {
        for (String active : new String[] {"PENDING", "RUNNING", "COMPLETING", "REQUEUED", "SUSPENDED", "CONFIGURING"}) {
            assertThat(new JobState("1", active, null, null, null).active()).as(active).isTrue();
        }
        for (String ended : new String[] {"COMPLETED", "CANCELLED", "FAILED", "TIMEOUT", "NODE_FAIL", "PREEMPTED",
                "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE", JobState.GONE}) {
            assertThat(new JobState("1", ended, null, null, null).ended()).as(ended).isTrue();
        }
        assertThat(new JobState("5", "node_fail", "NodeDown", "1:0", "n7").describe())
                .isEqualTo("job 5 NODE_FAIL (reason NodeDown, exit 1:0) on n7");
    }

    @Test
    void scriptWordsAreQuotedForTheShell() {
        assertThat(SlurmExecutor.shellQuote("/opt/java/bin/java")).isEqualTo("/opt/java/bin/java");
        assertThat(SlurmExecutor.shellQuote("a b'c")).isEqualTo("'a b'\"'\"'c'");
        assertThat(SlurmExecutor.jobName("exp-01/explore 1/0")).isEqualTo("archlab-exp-01_explore_1_0");
    }
}
