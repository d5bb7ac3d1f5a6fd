# Writes the Google 2019 and 2011 usage fixtures of tests/data/fixtures (issue 27;
# SOURCE.md there). Run from the repository root: python3 tools/google-usage-fixture.py
import random
random.seed(2019)
ev=["time,type,collection_id,scheduling_class,missing_type,collection_type,priority,alloc_collection_id,instance_index,machine_id,alloc_instance_index,resource_request.cpus,resource_request.memory"]
us=["start_time,end_time,collection_id,instance_index,machine_id,alloc_collection_id,alloc_instance_index,collection_type,average_usage.cpus,average_usage.memory,maximum_usage.cpus,maximum_usage.memory,random_sample_usage.cpus,assigned_memory,page_cache_memory,cycles_per_instruction,memory_accesses_per_instruction,sample_rate"]
W=300_000_000
rows=[]
usage=[]
def inst(coll, idx, submit, sched, end, rc, rm, windows):
    rows.append((submit,0,coll,idx,0,rc,rm))
    rows.append((sched,3,coll,idx,random.randint(1,999),rc,rm))
    rows.append((end,6,coll,idx,0,rc,rm))
    for (a,b,ca,ma,cm,mm) in windows:
        usage.append((a,b,coll,idx,ca,ma,cm,mm))
# the hand-checked instance: 2 vCPU / 4 GiB asked (0.0625, 0.03125 of 32 vCPU / 128 GiB)
inst(1001,0,0,10_000_000,710_000_000,0.0625,0.03125,[
 (10_000_000,300_000_000+10_000_000,0.02,0.01,0.03,0.012),
 (310_000_000,610_000_000,0.03,0.015,0.05,0.02),
 (610_000_000,710_000_000,0.01,0.02,0.02,None)])
sizes=[(0.015625,0.0078125),(0.03125,0.015625),(0.0625,0.03125),(0.125,0.0625)]
coll=1002
for c in range(7):
    n=random.randint(2,5)
    rc,rm=random.choice(sizes)
    base=random.randint(0,1800)*1_000_000
    cf=random.uniform(0.2,0.7); mf=random.uniform(0.3,0.8)
    for i in range(n):
        submit=base+random.randint(0,60)*1_000_000
        sched=submit+random.randint(1,20)*1_000_000
        dur=random.randint(120,2400)*1_000_000
        end=sched+dur
        wins=[]
        t=sched
        while t<end:
            nxt=min((t//W+1)*W,end)
            ca=rc*cf*random.uniform(0.7,1.3); ma=rm*mf*random.uniform(0.85,1.1)
            cm=ca*random.uniform(1.1,1.8); mm=ma*random.uniform(1.0,1.35)
            wins.append((t,nxt,round(ca,6),round(ma,6),round(cm,6),round(mm,6)))
            t=nxt
        inst(coll,i,submit,sched,end,rc,rm,wins)
    coll+=1
rows.sort(key=lambda r:(r[0],r[1],r[2],r[3]))
for (t,ty,c,i,m,rc,rm) in rows:
    ev.append(f"{t},{ty},{c},2,0,0,200,0,{i},{m},-1,{rc},{rm}")
usage.sort(key=lambda u:(u[0],u[2],u[3]))
f=lambda x:"" if x is None else repr(x)
for (a,b,c,i,ca,ma,cm,mm) in usage:
    us.append(f"{a},{b},{c},{i},{random.randint(1,999)},0,-1,0,{f(ca)},{f(ma)},{f(cm)},{f(mm)},{f(ca)},{f(ma*1.2 if ma else None)},0.0001,1.2,0.004,1.0")
open("tests/data/fixtures/google-2019-instance_events.csv","w").write("\n".join(ev)+"\n")
open("tests/data/fixtures/google-2019-instance_usage.csv","w").write("\n".join(us)+"\n")
print(len(rows)//3, len(usage))
# The same instances in the 2011 schema (task_events, task_usage; no header).
ty11={0:0,3:1,6:4}
te=[f"{t},,{c},{i},{m if ty==3 else ''},{ty11[ty]},user,2,9,{rc},{rm},0.0001,0" for (t,ty,c,i,m,rc,rm) in rows]
tu=[]
for (a,b,c,i,ca,ma,cm,mm) in usage:
    g=lambda x:"" if x is None else repr(x)
    tu.append(f"{a},{b},{c},{i},1,{g(ca)},{g(ma)},{g(ma)},0,0,{g(mm)},0,0,{g(cm)},0,1.2,0.004,1,0,{g(ca)}")
open("tests/data/fixtures/google-2011-task_events.csv","w").write("\n".join(te)+"\n")
open("tests/data/fixtures/google-2011-task_usage.csv","w").write("\n".join(tu)+"\n")
