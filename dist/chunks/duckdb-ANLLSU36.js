import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
import{h as d,i as j,j as _}from"./chunk-BPLBBXZV.js";import{a as k,b as E,c as R,d as w,e as I}from"./chunk-BN27CBWZ.js";import{a as U,b as L,c as Y,d as G,e as q,g as $}from"./chunk-DALMIPOX.js";import{c as x}from"./chunk-N2OOTJJE.js";import{a as h,b as v}from"./chunk-RMM3FQ3I.js";import"./chunk-CVIAFCHR.js";import{mkdirSync as ce}from"node:fs";import{join as te}from"node:path";import{DuckDBInstance as de,dateValue as ne}from"@duckdb/node-api";var oe=4*1024*1024,le=16,T=0,P=1,g=2,J=3,f=n=>`try_cast(${n} AS DOUBLE)`,F=n=>`(${n} = '' OR ${n} = 'null')`,X=n=>`(${n} IS NOT NULL AND isfinite(${n}) AND ${n} > 0 AND ${n} < ${1e12})`,D=(n,e,t)=>`(${F(n)} OR (${e} IS NOT NULL AND isfinite(${e}) AND ${e} >= 0${t?` AND ${e} < ${1e12}`:""}))`;async function Q(n,e,t){let r=new Map(e.map((s,o)=>({symbol:s.symbol,i:o})).sort((s,o)=>s.symbol<o.symbol?-1:s.symbol>o.symbol?1:s.i-o.i).map((s,o)=>[s.i,o]));await n.run("CREATE OR REPLACE TABLE csv_files (file_id INTEGER, path VARCHAR, symbol VARCHAR, rank INTEGER)");let i=await n.createAppender("csv_files");try{e.forEach((s,o)=>{i.appendInteger(o),i.appendVarchar(s.path),i.appendVarchar(s.symbol),i.appendInteger(r.get(o)),i.endRow()}),i.flushSync()}finally{i.closeSync()}let l=`read_csv([${e.map(s=>E(s.path)).join(", ")}], columns = {'line': 'VARCHAR'},
    header = true, delim = chr(1), quote = '', escape = '', auto_detect = false,
    buffer_size = ${oe})`;await n.run(`CREATE OR REPLACE TABLE csv_checked AS
    WITH lines AS (
      SELECT file_id, line, wide,
        CASE WHEN coalesce(strlen(line), 0) < ${le} OR wide THEN coalesce(trim(line), '') = '' ELSE false END
          AS blank
      FROM (SELECT CAST(file_index AS INTEGER) AS file_id, line, strlen(line) <> length(line) AS wide FROM ${l})
    ), cells AS (
      SELECT file_id, blank, len(c) AS n, c[1] AS d_txt, c[2] AS o_txt, c[3] AS h_txt, c[4] AS l_txt,
        c[5] AS c_txt, c[6] AS a_txt, c[7] AS v_txt
      FROM (
        SELECT file_id, blank,
          CASE WHEN contains(line, ' ') OR wide THEN list_transform(string_split(line, ','), x -> trim(x))
          ELSE string_split(line, ',') END AS c
        FROM lines
      ) r
    ), typed AS (
      SELECT *, try_cast(d_txt AS DATE) AS d, ${f("o_txt")} AS o, ${f("h_txt")} AS h, ${f("l_txt")} AS l,
        ${f("c_txt")} AS cl, ${f("a_txt")} AS a, ${f("v_txt")} AS v
      FROM cells
    ), dated AS (
      SELECT *, strlen(d_txt) = 10
          AND CASE WHEN CAST(d AS VARCHAR) = d_txt THEN true ELSE strftime(d, '%Y-%m-%d') = d_txt END AS d_ok
      FROM typed
    ), judged AS (
      SELECT *, CAST(CASE
        WHEN blank THEN ${J}
        WHEN n <> 7 OR d IS NULL OR NOT d_ok THEN ${g}
        WHEN ${F("c_txt")} OR ${F("a_txt")} THEN ${P}
        WHEN ${X("cl")} AND ${X("a")} AND ${D("o_txt","o",!0)}
          AND ${D("h_txt","h",!0)} AND ${D("l_txt","l",!0)}
          AND ${D("v_txt","v",!1)} THEN ${T}
        ELSE ${g} END AS UTINYINT) AS kind
      FROM dated
    )
    SELECT file_id, kind,
      CASE WHEN kind = ${J} OR (kind = ${g} AND (n <> 7 OR d_ok IS NOT true)) THEN NULL ELSE d END AS date,
      o AS open, h AS high, l AS low, cl AS close, a AS adj_close, v AS volume
    FROM judged`),await n.run(`CREATE OR REPLACE TABLE csv_repeats AS
    SELECT file_id, date, count(*) AS n, count(*) FILTER (WHERE kind = ${P}) AS nulls
    FROM csv_checked WHERE date IS NOT NULL GROUP BY ALL HAVING count(*) > 1`);let a=`date BETWEEN DATE ${E(t.start)} AND DATE ${E(t.end)}`;return(await n.runAndReadAll(`
    WITH per_file AS (
      SELECT file_id,
        count(*) FILTER (WHERE kind = ${T} AND ${a}) AS bars,
        count(*) FILTER (WHERE kind = ${P}) AS null_rows,
        count(*) FILTER (WHERE kind = ${g}) AS bad_rows,
        CAST(min(date) FILTER (WHERE kind = ${T}) AS VARCHAR) AS first,
        CAST(max(date) FILTER (WHERE kind = ${T}) AS VARCHAR) AS last
      FROM csv_checked GROUP BY file_id
    ), repeats AS (
      SELECT r.file_id, sum(r.n) AS n, sum(r.nulls) AS nulls, sum(c.good_in_range) AS good_in_range,
        sum(c.bad) AS bad
      FROM csv_repeats r JOIN (
        SELECT file_id, date, count(*) FILTER (WHERE kind = ${T} AND ${a}) AS good_in_range,
          count(*) FILTER (WHERE kind = ${g}) AS bad
        FROM csv_checked SEMI JOIN csv_repeats USING (file_id, date) GROUP BY ALL
      ) c USING (file_id, date)
      GROUP BY r.file_id
    )
    SELECT f.file_id, coalesce(p.bars, 0) - coalesce(r.good_in_range, 0) AS bars,
      coalesce(p.null_rows, 0) - coalesce(r.nulls, 0) AS null_rows,
      coalesce(p.bad_rows, 0) + coalesce(r.n, 0) - coalesce(r.bad, 0) AS bad_rows, p.first, p.last
    FROM csv_files f LEFT JOIN per_file p USING (file_id) LEFT JOIN repeats r USING (file_id)
    ORDER BY f.file_id`)).getRowsJS().map(s=>{let o=e[Number(s[0])];return{symbol:o.symbol,path:o.path,bars:Number(s[1]),nullRows:Number(s[2]),badRows:Number(s[3]),first:s[4]===null?null:String(s[4]),last:s[5]===null?null:String(s[5])}})}async function z(n,e){await n.run("ALTER TABLE csv_files ADD COLUMN kept BOOLEAN DEFAULT false"),e.length>0&&await n.run(`UPDATE csv_files SET kept = true WHERE file_id IN (${e.join(", ")})`)}function Z(n,e){return`SELECT f.rank, f.symbol, c.date, c.open, c.high, c.low, c.close, c.adj_close, c.volume
    FROM csv_checked c JOIN csv_files f USING (file_id)
    WHERE c.kind = ${T} AND c.date BETWEEN DATE ${E(n.start)} AND DATE ${E(n.end)}
      AND f.kept${e?" AND NOT EXISTS (SELECT 1 FROM csv_repeats r WHERE r.file_id = c.file_id AND r.date = c.date)":""}`}async function ee(n){for(let e of["csv_checked","csv_repeats","csv_files"])await n.run(`DROP TABLE IF EXISTS ${e}`)}var B=class n{name="duckdb";lake;instance;conn;logger;queue=new U;constructor(e,t,r,i){this.lake=e,this.instance=t,this.conn=r,this.logger=i}static async open(e,t={}){let r=te(e.workdir,"tmp","duckdb");ce(r,{recursive:!0});let i={memory_limit:t.memoryLimit??_,temp_directory:r,preserve_insertion_order:"false"};t.threads&&(i.threads=String(t.threads));let l=await de.create(":memory:",i),a=await l.connect();return new n(e,l,a,t.logger??x)}readMeta(e){return this.lake.withReadLock(async()=>this.lake.readMeta(e))}async writePrices(e,t){return this.serial(()=>this.lake.withLock(()=>this.mergePrices(e,t)))}async mergePrices(e,t){if(e.length===0)return this.unchanged();await this.conn.run(`CREATE OR REPLACE TABLE incoming_raw (seq INTEGER, ${L.map(i=>`${R(i.name)} ${i.type}`).join(", ")})`);let r=await this.conn.createAppender("incoming_raw");try{for(let i=0;i<e.length;i++)Ee(r,e[i],i);r.flushSync()}finally{r.closeSync()}await this.conn.run(`CREATE OR REPLACE TABLE incoming AS
      SELECT * EXCLUDE (seq) FROM incoming_raw QUALIFY row_number() OVER (PARTITION BY symbol, date ORDER BY seq DESC) = 1`),await this.conn.run("DROP TABLE incoming_raw");try{return await this.mergeIncoming(e.length,[...new Set(e.map(i=>i.symbol))],t)}finally{await this.conn.run("DROP TABLE IF EXISTS incoming")}}unchanged(){let e=this.lake.readMeta(d.prices);return{rows:e?.rows??0,symbols:e?.symbols.length??0,replaced:0,added:0,vanished:[],dropped:!1}}async loadCsvPrices(e){return this.serial(async()=>{try{let t=await Q(this.conn,e.files,e.range),r=await e.judge(t),i=r.reduce((s,o)=>s+(t[o]?.bars??0),0);if(i===0)return{written:this.unchanged(),counts:t};await z(this.conn,r);let l=await this.scalar("SELECT count(*) FROM csv_repeats")>0;await this.conn.run(`CREATE OR REPLACE VIEW incoming AS ${Z(e.range,l)}`);let a=r.map(s=>e.files[s].symbol);return{written:await this.lake.withLock(()=>this.mergeIncoming(i,a,e.meta,"rank, date")),counts:t}}finally{await this.conn.run("DROP VIEW IF EXISTS incoming"),await ee(this.conn)}})}async mergeIncoming(e,t,r,i="symbol, date"){let l=r.range?null:await this.row("SELECT CAST(min(date) AS VARCHAR), CAST(max(date) AS VARCHAR) FROM incoming"),a={...r,range:r.range??{start:l[0],end:l[1]},fetchedAt:r.fetchedAt??new Date().toISOString()},c=this.lake.parquetFiles(d.prices),s=this.lake.readMeta(d.prices),o=L.map(S=>R(S.name)).join(", "),C=[...t].sort(),m=`date BETWEEN DATE ${E(a.range.start)} AND DATE ${E(a.range.end)}`,A=0,p=e,u=[],N,M="symbol, date";if(c&&s){let S=`(SELECT ${o} FROM ${w(c)})`,H=L.slice(2).map(y=>`i.${R(y.name)} IS DISTINCT FROM e.${R(y.name)}`).join(" OR "),[re,ie]=await this.row(`SELECT
          count(*) FILTER (WHERE e.symbol IS NOT NULL AND (${H})),
          count(*) FILTER (WHERE e.symbol IS NULL)
        FROM incoming i LEFT JOIN ${S} e USING (symbol, date)`);A=Number(re),p=Number(ie),u=(await this.conn.runAndReadAll(`SELECT symbol, count(*) AS bars,
          CAST(min(date) AS VARCHAR) AS first, CAST(max(date) AS VARCHAR) AS last
        FROM ${S} e
        WHERE symbol IN (SELECT symbol FROM incoming) AND ${m}
          AND NOT EXISTS (SELECT 1 FROM incoming i WHERE i.symbol = e.symbol AND i.date = e.date)
        GROUP BY symbol ORDER BY symbol`)).getRowObjectsJS().map(y=>({symbol:String(y.symbol),bars:Number(y.bars),first:String(y.first),last:String(y.last)}));let V=a.replace&&u.length>0,se=$(s,C,a,u);if(A===0&&p===0&&!V)return this.logger.info(`prices: ${e} bars already in the lake, nothing to write`),await this.lake.rewriteLineage(d.prices,se),{rows:s.rows,symbols:s.symbols.length,replaced:A,added:p,vanished:u,dropped:!1};let ae=V?` WHERE NOT (symbol IN (SELECT symbol FROM incoming) AND ${m})`:"";N=`SELECT ${o} FROM (SELECT * FROM ${S} e ANTI JOIN incoming i USING (symbol, date))${ae}
        UNION ALL SELECT ${o} FROM incoming`}else N="SELECT * FROM incoming",M=i;await this.conn.run(`CREATE OR REPLACE VIEW merged_prices AS ${N}`);let O=[...new Set([...s?.symbols??[],...t])].sort(),W=await this.lake.writeTable(d.prices,async S=>({rows:await this.copyToParquet(`SELECT ${o} FROM merged_prices ORDER BY ${M}`,S,"prices")}),{source:q([s?.source??"",a.source]),synthetic:(s?.synthetic??!1)||a.synthetic,rows:0,symbols:O,lineage:$(s,C,a,u)});return await this.conn.run("DROP VIEW merged_prices"),this.logger.info(`prices: ${W.rows} bars for ${O.length} symbols in ${this.lake.tableDir(d.prices)}`),{rows:W.rows,symbols:O.length,replaced:A,added:p,vanished:u,dropped:!!a.replace&&u.length>0}}async computeBreadth(e,t={}){return this.serial(()=>this.lake.withLock(()=>this.breadth(e,t)))}async breadth(e,t){let r=this.lake.parquetFiles(d.prices),i=this.lake.readMeta(d.prices);if(!r||!i||i.rows===0)throw new h(`no prices in the lake of workdir ${this.lake.workdir}`,{hint:"run `bf data fetch` first (or pass --workdir / BF_HOME pointing at the workdir that holds them)"});let l=[t.start?`date >= DATE ${E(t.start)}`:"",t.end?`date <= DATE ${E(t.end)}`:""].filter(Boolean).map(m=>` AND ${m}`).join(""),a;if(e===void 0)a=i.symbols,await this.conn.run(`CREATE OR REPLACE VIEW prices AS SELECT * FROM ${w(r)} WHERE true${l}`);else{if(a=[...new Set(e)].sort(),a.length===0)throw new v("the symbol list is empty","give at least one symbol");let m=new Set(i.symbols),A=a.filter(u=>!m.has(u));if(A.length>0)throw new h(`${A.length} of ${a.length} symbols have no prices in the lake of workdir ${this.lake.workdir}: ${A.join(", ")}`,{hint:"run `bf data fetch` for them first, or remove them from the list"});await this.conn.run("CREATE OR REPLACE TABLE wanted_symbols (symbol VARCHAR)");let p=await this.conn.createAppender("wanted_symbols");try{for(let u of a)p.appendVarchar(u),p.endRow();p.flushSync()}finally{p.closeSync()}await this.conn.run(`CREATE OR REPLACE VIEW prices AS
        SELECT * FROM ${w(r)} WHERE symbol IN (SELECT symbol FROM wanted_symbols)${l}`)}let c={source:i.source,synthetic:i.synthetic,rows:0,symbols:a};await this.lake.writeTable(d.features,async m=>({rows:await this.copyToParquet(k("features"),m,"features")}),c);let s=this.lake.parquetFiles(d.features)??[];await this.conn.run(`CREATE OR REPLACE VIEW features AS SELECT * FROM ${w(s)}`),await this.conn.run(`CREATE OR REPLACE TABLE breadth_result AS
${k("breadth")}
`),await this.lake.writeTable(d.breadth,async m=>({rows:await this.copyToParquet("SELECT * FROM breadth_result ORDER BY date",m,"breadth")}),c);let C=(await this.conn.runAndReadAll("SELECT * REPLACE (CAST(date AS VARCHAR) AS date) FROM breadth_result ORDER BY date")).getRowObjectsJS().map(G);return await this.conn.run("DROP TABLE breadth_result"),await this.conn.run("DROP VIEW features"),await this.conn.run("DROP VIEW prices"),C}writeTables(e){return this.serial(()=>this.lake.withLock(async()=>{let t=[];for(let r of e)t.push(await this.replaceRows(r.table,r.rows,r.columns,r.meta??{}));return t}))}async writeRows(e,t,r,i={}){return this.serial(()=>this.replaceRows(e,t,r,i))}async replaceRows(e,t,r,i){Y(e,r),await this.conn.run(`CREATE OR REPLACE TABLE rows_in (${r.map(s=>`${R(s.name)} ${s.type}`).join(", ")})`);let l=await this.conn.createAppender("rows_in");try{for(let s of t){for(let o of r)ue(l,o,s[o.name]??null,e);l.endRow()}l.flushSync()}finally{l.closeSync()}let a=r.some(s=>s.name==="symbol")?(await this.column("SELECT DISTINCT symbol FROM rows_in WHERE symbol IS NOT NULL")).map(String):[],c=await this.lake.writeTable(e,async s=>{await this.copyToParquet("SELECT * FROM rows_in",s,e)},{source:i.source??"bf",synthetic:i.synthetic??!1,rows:t.length,symbols:a});return await this.conn.run("DROP TABLE rows_in"),c}async readRows(e){return this.serial(()=>this.lake.withReadLock(()=>this.selectRows(e)))}async selectRows(e){let t=this.lake.parquetFiles(e);if(!t)throw new h(`table ${e} does not exist in the lake of workdir ${this.lake.workdir}`,{hint:"run the command that produces it first"});let i=(await this.conn.runAndReadAll(`DESCRIBE SELECT * FROM ${w(t)}`)).getRowObjectsJS().map(a=>{let c=String(a.column_name);return String(a.column_type)==="DATE"?`CAST(${R(c)} AS VARCHAR) AS ${R(c)}`:R(c)}).join(", ");return(await this.conn.runAndReadAll(`SELECT ${i} FROM ${w(t)}`)).getRowObjectsJS().map(a=>{let c={};for(let[s,o]of Object.entries(a))c[s]=me(o);return c})}async close(){await this.queue.idle(),this.conn.closeSync(),this.instance.closeSync()}serial(e){return this.queue.run(async()=>{try{return await e()}catch(t){throw t instanceof Error&&/^Out of Memory Error/.test(t.message)?new h(`the embedded engine ran out of memory: ${t.message.split(`
`)[0]}`,{cause:t,hint:`raise ${j} (default ${_}); it spills the rest to <workdir>/tmp/duckdb`}):t}})}async copyToParquet(e,t,r){let i=te(t,`${r}.parquet`),l=await this.conn.runAndReadAll(`COPY (
${e}
) TO ${E(i)} (FORMAT parquet, COMPRESSION snappy)`);return Number(l.getRowsJS()[0]?.[0]??0)}async scalar(e){let t=await this.conn.runAndReadAll(e);return Number(t.getRowsJS()[0]?.[0]??0)}async row(e){return((await this.conn.runAndReadAll(e)).getRowsJS()[0]??[]).map(r=>typeof r=="bigint"?Number(r):r)}async column(e){return(await this.conn.runAndReadAll(e)).getRowsJS().map(r=>r[0])}};function Ee(n,e,t){let r=I(e.date);if(typeof e.symbol!="string"||e.symbol.length===0||r===null)throw new h(`bad bar #${t}: symbol ${JSON.stringify(e.symbol)}, date ${JSON.stringify(e.date)}`,{hint:"bars need a symbol and an ISO YYYY-MM-DD date"});if(!Number.isFinite(e.adjClose)||e.adjClose<=0)throw new h(`bad bar ${e.symbol} ${e.date}: adjusted close ${e.adjClose} is not a positive number`,{hint:"drop or repair the bar at the source before writing it"});n.appendInteger(t),n.appendVarchar(e.symbol),n.appendDate(ne(r)),b(n,e.open),b(n,e.high),b(n,e.low),b(n,e.close),n.appendDouble(e.adjClose),b(n,e.volume),n.endRow()}function b(n,e){e==null||!Number.isFinite(e)?n.appendNull():n.appendDouble(e)}function ue(n,e,t,r){if(t===null){n.appendNull();return}let i=()=>new h(`writeRows(${r}): column ${e.name} (${e.type}) cannot hold ${JSON.stringify(t)}`);switch(e.type){case"VARCHAR":n.appendVarchar(String(t));return;case"DOUBLE":if(typeof t!="number")throw i();n.appendDouble(t);return;case"BIGINT":if(typeof t!="number"||!Number.isInteger(t))throw i();n.appendBigInt(BigInt(t));return;case"INTEGER":if(typeof t!="number"||!Number.isInteger(t))throw i();n.appendInteger(t);return;case"BOOLEAN":if(typeof t!="boolean")throw i();n.appendBoolean(t);return;case"DATE":{let l=typeof t=="string"?I(t):null;if(l===null)throw i();n.appendDate(ne(l));return}}}function me(n){return n==null?null:typeof n=="bigint"?Number(n):typeof n=="number"||typeof n=="string"||typeof n=="boolean"?n:String(n)}export{B as DuckDbEngine};
