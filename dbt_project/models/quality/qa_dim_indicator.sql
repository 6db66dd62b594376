-- The batch the Great Expectations suite `dim_indicator` validates: one row per indicator, with the
-- first source line describing it and the columns the hierarchy rules read.
with

indicators as (

    select * from {{ ref('dim_indicator') }}

),

objectives as (

    select * from {{ ref('dim_objective') }}

),

programmes as (

    select * from {{ ref('dim_programme') }}

),

documents as (

    select * from {{ ref('dim_document') }}

),

first_lines as (

    select
        document_id,
        indicator_code,
        min(source_line) as source_line
    from {{ ref('stg_raw__indicator_cells') }}
    group by document_id, indicator_code

)

select
    indicators.described_by_document_id as document_id,
    documents.source_file,
    first_lines.source_line,
    indicators.indicator_code,
    indicators.indicator_number,
    indicators.objective_code,
    indicators.programme_code,
    regexp_replace(indicators.indicator_code, '-[^-]+$', '') as objective_code_from_indicator_code,
    objectives.objective_code as joined_objective_code,
    case when indicators.programme_code is not null then programmes.programme_code is not null end
        as programme_joins
from indicators
left join objectives on indicators.objective_code = objectives.objective_code
left join programmes on indicators.programme_code = programmes.programme_code
left join documents on indicators.described_by_document_id = documents.document_id
left join first_lines
    on
        indicators.described_by_document_id = first_lines.document_id
        and indicators.indicator_code = first_lines.indicator_code
order by indicators.indicator_code
